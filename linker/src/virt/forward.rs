//! What the virtual module knows of a WASI function's shape: its core signatures, the
//! resources in its parameters and result, its error answers; and forwarding: an exported
//! function that calls the host's with the same arguments, for interfaces whose resources the
//! virtual component wraps (its streams, its descriptors).
//!
//! A wrapped resource's rep is the host's handle shifted left by one; the low bit marks a
//! read-only descriptor, and rep 0 is the virtual component's own stream (an empty stdin, a
//! stdout that keeps nothing). A borrowed wrapped resource is handed to the host as its
//! handle; an owned one the host returns is wrapped (`[resource-new]`) before it is returned.

use std::collections::{HashMap, HashSet};

use wasm_encoder::Instruction;
use wit_parser::abi::{AbiVariant, FlatTypes, WasmType};
use wit_parser::{Function, Handle, InterfaceId, Resolve, SizeAlign, Type, TypeDefKind, TypeId};

use super::encode::{Body, Callee, Signature};

/// What the module needs to forward: the resources it wraps, and how to name things.
pub(super) struct Forwarder<'a> {
    pub resolve: &'a Resolve,
    /// The resources the virtual component defines (those of the interfaces it exports).
    pub wrapped: HashSet<TypeId>,
    pub sizes: SizeAlign,
}

/// The low bit given to the reps of what a forwarded call returns.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mark {
    /// Nothing is read-only.
    Plain,
    /// As read-only as the descriptor the call is a method of (its first parameter).
    AsSelf,
}

impl Mark {
    fn push(self, b: &mut Body) {
        match self {
            Mark::Plain => {
                b.i32(0);
            }
            Mark::AsSelf => {
                b.get(0).i32(1).op(Instruction::I32And);
            }
        }
    }
}

/// How to forward one function.
pub(super) struct Call<'a> {
    /// The host's function, as imported.
    pub host: Callee,
    /// Where the host's answer is written.
    pub answer: u32,
    /// The low bit of the reps of what is wrapped.
    pub mark: Mark,
    /// `[resource-new]` of each wrapped resource.
    pub new_resource: &'a HashMap<TypeId, Callee>,
}

/// A parameter that holds a handle of a resource the virtual component imports (the host's,
/// not one it wraps): the callee must drop a borrow before it returns, and an owned one it
/// does not hand on.
#[derive(Debug, Clone, Copy)]
pub(super) struct HostHandle {
    /// The core parameter holding the handle.
    pub at: u32,
    /// The resource.
    pub resource: TypeId,
    /// Owned (else borrowed).
    pub own: bool,
    /// For an `option<handle>`: the core parameter holding its discriminant.
    pub present: Option<u32>,
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
        Signature::flat(&s.params, &s.results)
    }

    /// The host function's core signature, and whether it takes a pointer to write its
    /// answer to.
    pub fn import_signature(&self, func: &Function) -> (Signature, bool) {
        let s = self.resolve.wasm_signature(AbiVariant::GuestImport, func);
        (Signature::flat(&s.params, &s.results), s.retptr)
    }

    /// The bytes the host's answer to `func` takes, when it writes one.
    pub fn answer_size(&self, func: &Function) -> usize {
        match (&func.result, self.import_signature(func).1) {
            (Some(result), true) => self.sizes.size(result).size_wasm32(),
            _ => 0,
        }
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

    pub fn dealias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = &self.resolve.types[id].kind {
            id = *next;
        }
        id
    }

    /// Whether values of `ty` can hold a handle of a resource (`wrapped` ones only, or any).
    fn holds(&self, ty: &Type, only_wrapped: bool) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(t) => self.holds(t, only_wrapped),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                !only_wrapped || self.wrapped.contains(&self.dealias(*r))
            }
            TypeDefKind::Option(t) | TypeDefKind::List(t) => self.holds(t, only_wrapped),
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| self.holds(t, only_wrapped))
                    || r.err.as_ref().is_some_and(|t| self.holds(t, only_wrapped))
            }
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.holds(t, only_wrapped)),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.holds(&f.ty, only_wrapped)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(|t| self.holds(t, only_wrapped))),
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
    pub fn borrowed_params(&self, func: &Function) -> Vec<u32> {
        let mut at = 0;
        let mut out = Vec::new();
        for param in &func.params {
            if let Some((r, false)) = self.resource_of(&param.ty) {
                if self.wrapped.contains(&r) {
                    out.push(at);
                }
            }
            at += self.flat_count(&param.ty) as u32;
        }
        out
    }

    /// The parameters holding handles of resources the virtual component imports. `Err`
    /// names a parameter that holds them in a shape the module does not take apart.
    pub fn host_handles(&self, func: &Function) -> Result<Vec<HostHandle>, String> {
        let mut at = 0;
        let mut out = Vec::new();
        for param in &func.params {
            let count = self.flat_count(&param.ty) as u32;
            match self.resource_of(&param.ty) {
                Some((resource, own)) if !self.wrapped.contains(&resource) => {
                    out.push(HostHandle {
                        at,
                        resource,
                        own,
                        present: None,
                    })
                }
                Some(_) => {}
                None => match self.option_of_handle(&param.ty) {
                    Some((resource, own)) if !self.wrapped.contains(&resource) => {
                        out.push(HostHandle {
                            at: at + 1,
                            resource,
                            own,
                            present: Some(at),
                        })
                    }
                    Some(_) => {}
                    None if self.holds(&param.ty, false) => {
                        return Err(format!(
                            "`{}` takes resources in its parameter `{}` in a shape compose does not take apart",
                            func.name, param.name
                        ))
                    }
                    None => {}
                },
            }
            at += count;
        }
        Ok(out)
    }

    /// The resource of an `option<handle>`.
    fn option_of_handle(&self, ty: &Type) -> Option<(TypeId, bool)> {
        let Type::Id(id) = ty else { return None };
        match &self.resolve.types[self.dealias(*id)].kind {
            TypeDefKind::Option(inner) => self.resource_of(inner),
            _ => None,
        }
    }

    /// Writes a body that calls the host's `func` (imported as `call.host`, with
    /// [`Forwarder::import_signature`]) and leaves its answer, wrapping what it returns.
    /// `Err` names what cannot be forwarded.
    pub fn forward(&self, b: &mut Body, func: &Function, call: &Call<'_>) -> Result<(), String> {
        if func.params.iter().any(
            |p| matches!(self.resource_of(&p.ty), Some((r, true)) if self.wrapped.contains(&r)),
        ) {
            return Err(format!("`{}` takes a wrapped resource by value", func.name));
        }
        let retptr = self.import_signature(func).1;
        let borrowed = self.borrowed_params(func);
        let push_args = |b: &mut Body| {
            for i in 0..self.export_signature(func).params.len() as u32 {
                b.get(i);
                if borrowed.contains(&i) {
                    b.i32(1).op(Instruction::I32ShrU);
                }
            }
        };
        let new_of = |r: TypeId| {
            call.new_resource
                .get(&r)
                .copied()
                .ok_or_else(|| format!("`{}` returns a resource compose does not wrap", func.name))
        };
        let Some(result) = &func.result else {
            push_args(b);
            b.call(call.host);
            return Ok(());
        };
        if !self.holds(result, true) {
            push_args(b);
            if retptr {
                b.i32(call.answer).call(call.host).i32(call.answer);
            } else {
                b.call(call.host);
            }
            return Ok(());
        }
        // An owned resource, returned as it is or as `result<resource, error>`.
        if let Some((r, true)) = self.resource_of(result) {
            push_args(b);
            b.call(call.host).i32(1).op(Instruction::I32Shl);
            call.mark.push(b);
            b.op(Instruction::I32Or).call(new_of(r)?);
            return Ok(());
        }
        if let Type::Id(id) = result {
            if let TypeDefKind::Result(r) = &self.resolve.types[*id].kind {
                let ok = r.ok.as_ref().and_then(|t| self.resource_of(t));
                let err_plain = !r.err.as_ref().is_some_and(|t| self.holds(t, true));
                if let (Some((resource, true)), true) = (ok, err_plain) {
                    let field = call.answer + self.payload_offset(result);
                    push_args(b);
                    b.i32(call.answer).call(call.host);
                    b.i32(call.answer).load8(0).op(Instruction::I32Eqz).if_();
                    b.i32(field)
                        .i32(field)
                        .load(0)
                        .i32(1)
                        .op(Instruction::I32Shl);
                    call.mark.push(b);
                    b.op(Instruction::I32Or)
                        .call(new_of(resource)?)
                        .store(0)
                        .end();
                    b.i32(call.answer);
                    return Ok(());
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
        let align = match &self.resolve.types[self.dealias(*id)].kind {
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
        let TypeDefKind::Result(r) = &self.resolve.types[self.dealias(*id)].kind else {
            return None;
        };
        let Type::Id(err) = r.err.as_ref()? else {
            return None;
        };
        let index = match &self.resolve.types[self.dealias(*err)].kind {
            TypeDefKind::Enum(e) => e.cases.iter().position(|c| c.name == case)?,
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .position(|c| c.name == case && c.ty.is_none())?,
            _ => return None,
        };
        let at = self.payload_offset(result) as usize;
        let mut bytes = vec![0u8; self.sizes.size(result).size_wasm32().max(at + 1)];
        bytes[0] = 1;
        bytes[at] = u8::try_from(index).ok()?;
        Some(bytes)
    }

    /// The bits of the flags named `flags` in the interface of `func`'s parameters that are
    /// not `allowed`: what a read-only descriptor refuses.
    pub fn flag_bits_except(&self, flags: TypeId, allowed: &[&str]) -> Option<u32> {
        let TypeDefKind::Flags(f) = &self.resolve.types[self.dealias(flags)].kind else {
            return None;
        };
        if f.flags.len() > 32 {
            return None;
        }
        Some(
            f.flags
                .iter()
                .enumerate()
                .filter(|(_, flag)| !allowed.contains(&flag.name.as_str()))
                .fold(0u32, |bits, (i, _)| bits | (1 << i)),
        )
    }

    /// The core position and the type of `func`'s parameter `name`.
    pub fn param(&self, func: &Function, name: &str) -> Option<(u32, TypeId)> {
        let mut at = 0;
        for param in &func.params {
            if param.name == name {
                let Type::Id(id) = param.ty else { return None };
                return Some((at, id));
            }
            at += self.flat_count(&param.ty) as u32;
        }
        None
    }
}
