//! Forwarding: an exported WASI function that calls the host's with the same arguments, for
//! interfaces whose resources the virtual component wraps (its streams, its descriptors).
//!
//! A wrapped resource's rep is the host's handle shifted left by one; the low bit marks a
//! read-only descriptor, and rep 0 is the virtual component's own stream (an empty stdin, a
//! stdout that keeps nothing). A borrowed wrapped resource is handed to the host as its
//! handle; an owned one the host returns is wrapped (`[resource-new]`) before it is returned.

use std::collections::HashSet;
use std::fmt::Write;

use wit_parser::abi::{AbiVariant, FlatTypes, WasmType};
use wit_parser::{Function, Handle, InterfaceId, Resolve, SizeAlign, Type, TypeDefKind, TypeId};

/// What the module needs to forward: the resources it wraps, and how to name things.
pub(super) struct Forwarder<'a> {
    pub resolve: &'a Resolve,
    /// The resources the virtual component defines (those of the interfaces it exports).
    pub wrapped: HashSet<TypeId>,
    pub sizes: SizeAlign,
}

/// How to forward one function.
pub(super) struct Call<'a> {
    /// The name of the host's function, as imported.
    pub host: &'a str,
    /// Where the host's answer is written.
    pub answer: u32,
    /// The low bit of the reps of what is wrapped (an expression).
    pub mark: &'a str,
    /// `[resource-new]` of each wrapped resource.
    pub new_resource: &'a std::collections::HashMap<TypeId, String>,
}

/// One function's core signature, as text.
pub(super) struct Signature {
    pub params: Vec<WasmType>,
    pub results: Vec<WasmType>,
}

impl Signature {
    pub fn text(&self) -> String {
        let params: String = self.params.iter().map(|t| format!(" {}", ty(*t))).collect();
        let results: String = self
            .results
            .iter()
            .map(|t| format!(" {}", ty(*t)))
            .collect();
        format!("(param{params}) (result{results})")
    }
}

impl<'a> Forwarder<'a> {
    pub fn new(resolve: &'a Resolve, exported: &[InterfaceId]) -> Self {
        let mut wrapped = HashSet::new();
        for id in exported {
            for ty in resolve.interfaces[*id].types.values() {
                if matches!(resolve.types[*ty].kind, TypeDefKind::Resource) {
                    wrapped.insert(*ty);
                }
            }
        }
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve);
        Self {
            resolve,
            wrapped,
            sizes,
        }
    }

    pub fn export_signature(&self, func: &Function) -> Signature {
        let s = self.resolve.wasm_signature(AbiVariant::GuestExport, func);
        Signature {
            params: s.params,
            results: s.results,
        }
    }

    /// The host function's core signature, and whether it takes a pointer to write its
    /// answer to.
    pub fn import_signature(&self, func: &Function) -> (Signature, bool) {
        let s = self.resolve.wasm_signature(AbiVariant::GuestImport, func);
        (
            Signature {
                params: s.params,
                results: s.results,
            },
            s.retptr,
        )
    }

    /// The resource a type is, through `use` aliases.
    pub fn resource_of(&self, ty: &Type) -> Option<(TypeId, bool)> {
        let Type::Id(mut id) = ty else { return None };
        loop {
            match &self.resolve.types[id].kind {
                TypeDefKind::Type(Type::Id(next)) => id = *next,
                TypeDefKind::Handle(Handle::Own(r)) => return Some((self.dealias(*r), true)),
                TypeDefKind::Handle(Handle::Borrow(r)) => return Some((self.dealias(*r), false)),
                _ => return None,
            }
        }
    }

    fn dealias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = &self.resolve.types[id].kind {
            id = *next;
        }
        id
    }

    /// Whether values of `ty` can hold a wrapped resource.
    fn holds_wrapped(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(t) => self.holds_wrapped(t),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                self.wrapped.contains(&self.dealias(*r))
            }
            TypeDefKind::Option(t) | TypeDefKind::List(t) => self.holds_wrapped(t),
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| self.holds_wrapped(t))
                    || r.err.as_ref().is_some_and(|t| self.holds_wrapped(t))
            }
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.holds_wrapped(t)),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.holds_wrapped(&f.ty)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(|t| self.holds_wrapped(t))),
            _ => false,
        }
    }

    /// How many core values `ty` flattens to.
    fn flat_count(&self, ty: &Type) -> usize {
        let mut storage = [WasmType::I32; 64];
        let mut flat = FlatTypes::new(&mut storage);
        self.resolve.push_flat(ty, &mut flat);
        flat.to_vec().len()
    }

    /// The core positions of the parameters that borrow a wrapped resource.
    pub fn borrowed_params(&self, func: &Function) -> Vec<usize> {
        let mut at = 0;
        let mut out = Vec::new();
        for param in &func.params {
            if let Some((r, false)) = self.resource_of(&param.ty) {
                if self.wrapped.contains(&r) {
                    out.push(at);
                }
            }
            at += self.flat_count(&param.ty);
        }
        out
    }

    /// A body that calls the host's `func` (imported as `call.host`, with
    /// [`Forwarder::import_signature`]) and returns its answer, wrapping what it returns.
    /// `Err` names what cannot be forwarded.
    pub fn body(&self, func: &Function, call: &Call<'_>) -> Result<String, String> {
        let new_resource = |r: TypeId| call.new_resource.get(&r).cloned().unwrap_or_default();
        if func.params.iter().any(
            |p| matches!(self.resource_of(&p.ty), Some((r, true)) if self.wrapped.contains(&r)),
        ) {
            return Err(format!("`{}` takes a wrapped resource by value", func.name));
        }
        let retptr = self.import_signature(func).1;
        self.call_and_wrap(
            func,
            call.host,
            call.answer,
            call.mark,
            &new_resource,
            retptr,
        )
    }

    fn call_and_wrap(
        &self,
        func: &Function,
        host: &str,
        answer: u32,
        mark: &str,
        new_resource: &dyn Fn(TypeId) -> String,
        retptr: bool,
    ) -> Result<String, String> {
        let borrowed = self.borrowed_params(func);
        let export = self.export_signature(func);
        let mut args = String::new();
        for (i, _) in export.params.iter().enumerate() {
            if borrowed.contains(&i) {
                let _ = write!(args, " (i32.shr_u (local.get {i}) (i32.const 1))");
            } else {
                let _ = write!(args, " (local.get {i})");
            }
        }
        let Some(result) = &func.result else {
            return Ok(format!("    (call {host}{args})\n"));
        };
        if !self.holds_wrapped(result) {
            return Ok(if retptr {
                format!("    (call {host}{args} (i32.const {answer}))\n    (i32.const {answer})\n")
            } else {
                format!("    (call {host}{args})\n")
            });
        }
        // An owned resource, returned as it is or as `result<resource, error>`.
        if let Some((r, true)) = self.resource_of(result) {
            return Ok(format!(
                "    (call {} (i32.or (i32.shl (call {host}{args}) (i32.const 1)) {mark}))\n",
                new_resource(r)
            ));
        }
        if let Type::Id(id) = result {
            if let TypeDefKind::Result(r) = &self.resolve.types[*id].kind {
                let ok = r.ok.as_ref().and_then(|t| self.resource_of(t));
                let err_plain = !r.err.as_ref().is_some_and(|t| self.holds_wrapped(t));
                if let (Some((resource, true)), true) = (ok, err_plain) {
                    let at = self.payload_offset(result);
                    return Ok(format!(
                        "    (call {host}{args} (i32.const {answer}))
    (if (i32.eqz (i32.load8_u (i32.const {answer})))
      (then (i32.store (i32.const {field}) (call {} (i32.or (i32.shl (i32.load (i32.const {field})) (i32.const 1)) {mark})))))
    (i32.const {answer})
",
                        new_resource(resource),
                        field = answer + at
                    ));
                }
            }
        }
        Err(format!(
            "`{}` returns a wrapped resource in a shape compose does not forward",
            func.name
        ))
    }

    /// Where a `result`'s or `variant`'s payload starts.
    pub fn payload_offset(&self, ty: &Type) -> u32 {
        let Type::Id(id) = ty else { return 0 };
        let align = match &self.resolve.types[*id].kind {
            TypeDefKind::Result(r) => [r.ok.as_ref(), r.err.as_ref()]
                .into_iter()
                .flatten()
                .map(|t| self.sizes.align(t).align_wasm32())
                .max()
                .unwrap_or(1),
            _ => 1,
        };
        align.max(1) as u32
    }

    /// The bytes of `err(case)` of `func`'s result (a `result` whose error is an enum, or a
    /// variant whose `case` has no payload).
    pub fn error_answer(&self, func: &Function, case: &str) -> Option<Vec<u8>> {
        let result = func.result.as_ref()?;
        let Type::Id(id) = result else { return None };
        let TypeDefKind::Result(r) = &self.resolve.types[*id].kind else {
            return None;
        };
        let Type::Id(err) = r.err.as_ref()? else {
            return None;
        };
        let index = match &self.resolve.types[self.dealias(*err)].kind {
            TypeDefKind::Enum(e) => e.cases.iter().position(|c| c.name == case)?,
            TypeDefKind::Variant(v) => v.cases.iter().position(|c| c.name == case)?,
            _ => return None,
        };
        let at = self.payload_offset(result) as usize;
        let mut bytes = vec![0u8; at + 1];
        bytes[0] = 1;
        bytes[at] = index as u8;
        Some(bytes)
    }
}

pub(super) fn ty(t: WasmType) -> &'static str {
    match t {
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
        _ => "i32",
    }
}
