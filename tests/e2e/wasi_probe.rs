//! A WASI probe generated from the WIT the runtime implements: a library component that calls
//! every function of the WASI interfaces compose confines (and every method of the streams
//! and descriptors it is handed) and returns what each call answered. Generated, not
//! written: when WASI grows a function, the probe calls it too.
//!
//! It exports `test:probe/probe.run: func() -> list<tuple<u32, u32, u32>>`: for each call,
//! its index in [`Probe::calls`], how it answered ([`Answer`]) and a value. With a granted
//! directory holding `s.txt`, it also opens `s.txt` with every combination of `open-at`'s
//! flags on each directory, and calls every descriptor method on the directory and on the
//! file, with `s.txt` and `t.txt` as paths.

use std::collections::BTreeMap;

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction as I, MemArg,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wit_parser::abi::{AbiVariant, FlatTypes, WasmType};
use wit_parser::{
    Function as WitFunction, FunctionKind, Handle, Resolve, SizeAlign, Type, TypeDefKind, TypeId,
    WorldId,
};

/// The interfaces whose functions the probe calls: those compose confines.
pub const CONFINED: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:filesystem/preopens",
    "wasi:filesystem/types",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/ip-name-lookup",
];

/// How a call answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// It returned (nothing, or a value that is neither a result, a list nor an option).
    Returned,
    Ok,
    /// `err`, with the error's case index.
    Err,
    /// A list, with its length.
    List,
    None,
    Some,
}

impl Answer {
    fn code(self) -> u32 {
        self as u32
    }

    fn of(code: u32) -> Self {
        [
            Answer::Returned,
            Answer::Ok,
            Answer::Err,
            Answer::List,
            Answer::None,
            Answer::Some,
        ][code as usize]
    }
}

/// One call the probe made, as it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub call: String,
    pub answer: Answer,
    /// The list's length, the error's case, or the value returned.
    pub value: u32,
    /// The error case's name, for an `err`.
    pub error: Option<String>,
}

/// The generated library, and what its calls are.
pub struct Probe {
    pub bytes: Vec<u8>,
    /// Each call's name (`iface#func`, `open-at(o=.., d=..) on DIR`), by index.
    pub calls: Vec<String>,
    /// For each call, the names of its error type's cases (empty when it has none).
    errors: Vec<Vec<String>>,
    /// The functions of the confined interfaces it could not call, and why.
    pub skipped: BTreeMap<String, String>,
    /// The bits of `open-at`'s open-flags and descriptor-flags, by flag name.
    pub open_flags: Vec<String>,
    pub descriptor_flags: Vec<String>,
}

impl Probe {
    /// Reads the probe's answer, as `compose run --invoke 'run()'` prints it in WAVE.
    pub fn read(&self, wave: &str) -> Vec<Answered> {
        let numbers: Vec<u32> = wave
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().expect("a number"))
            .collect();
        assert_eq!(numbers.len() % 3, 0, "not a list of triples: {wave}");
        numbers
            .chunks(3)
            .map(|t| {
                let answer = Answer::of(t[1]);
                Answered {
                    call: self.calls[t[0] as usize].clone(),
                    answer,
                    value: t[2],
                    error: (answer == Answer::Err)
                        .then(|| self.errors[t[0] as usize].get(t[2] as usize).cloned())
                        .flatten(),
                }
            })
            .collect()
    }
}

const RET: u32 = 64;
const RET_AREA: u32 = 512;
const STRINGS: u32 = 1024;
const OUT: u32 = 4096;
const OUT_MAX: u32 = 8192;
const HEAP: u32 = OUT + OUT_MAX * 12;

/// The WIT of the probe's world, for WASI `version`.
pub fn world_wit(version: &str) -> String {
    let mut wit = String::from(
        "package test:probe;\ninterface probe {\n  run: func() -> list<tuple<u32, u32, u32>>;\n}\nworld lib {\n",
    );
    for name in CONFINED.iter().chain(&[
        "wasi:sockets/instance-network",
        "wasi:sockets/tcp",
        "wasi:sockets/udp",
    ]) {
        wit.push_str(&format!("  import {name}@{version};\n"));
    }
    wit.push_str("  export probe;\n}\nworld root {\n  import probe;\n  export probe;\n}\n");
    wit
}

/// The resolved WASI packages and the probe's package.
fn resolve(wasi: &[(&str, &str)], version: &str) -> (Resolve, wit_parser::PackageId) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deps")).unwrap();
    for (name, text) in wasi {
        std::fs::write(dir.path().join("deps").join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("probe.wit"), world_wit(version)).unwrap();
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_dir(dir.path()).unwrap();
    (resolve, package)
}

/// The component of `module` for `world`.
fn component(resolve: &Resolve, world: WorldId, mut module: Vec<u8>) -> Vec<u8> {
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

/// A root that exports `run` and answers it by calling the library's.
pub fn root(wasi: &[(&str, &str)], version: &str) -> Vec<u8> {
    let (resolve, package) = resolve(wasi, version);
    let world = resolve.select_world(&[package], Some("root")).unwrap();
    let module = wat::parse_str(format!(
        r#"(module
            (import "test:probe/probe" "run" (func $run (param i32)))
            (memory (export "memory") 1)
            (global $heap (mut i32) (i32.const 1024))
            (func (export "test:probe/probe#run") (result i32)
                (call $run (i32.const {RET})) (i32.const {RET}))
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
                (local $at i32)
                (local.set $at (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1))) (i32.sub (i32.const 0) (local.get 2))))
                (global.set $heap (i32.add (local.get $at) (local.get 3)))
                (block $ok (loop $grow
                    (br_if $ok (i32.le_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))))
                    (drop (memory.grow (i32.const 1))) (br $grow)))
                (local.get $at)))"#
    ))
    .unwrap();
    component(&resolve, world, module)
}

/// The generated library.
pub fn library(wasi: &[(&str, &str)], version: &str) -> Probe {
    let (resolve, package) = resolve(wasi, version);
    let world = resolve.select_world(&[package], Some("lib")).unwrap();
    let mut g = Generator::new(&resolve, version);
    g.generate();
    let module = g.finish();
    let bytes = component(&resolve, world, module);
    let (open_flags, descriptor_flags) =
        (g.flag_names("open-flags"), g.flag_names("descriptor-flags"));
    Probe {
        bytes,
        calls: g.calls,
        errors: g.errors,
        skipped: g.skipped,
        open_flags,
        descriptor_flags,
    }
}

struct Generator<'a> {
    resolve: &'a Resolve,
    version: String,
    sizes: SizeAlign,
    types: TypeSection,
    type_index: BTreeMap<(Vec<ValType>, Vec<ValType>), u32>,
    imports: ImportSection,
    imported: BTreeMap<(String, String), u32>,
    /// The body of `run`, in instructions.
    body: Vec<I<'static>>,
    calls: Vec<String>,
    errors: Vec<Vec<String>>,
    skipped: BTreeMap<String, String>,
    strings: Vec<u8>,
}

/// `run`'s locals (after its no parameters).
const NETWORK: u32 = 0;
const HANDLE: u32 = 1;
const DIR: u32 = 2;
const DIRS: u32 = 3;
const DIR_COUNT: u32 = 4;
const I_: u32 = 5;
const O_FLAGS: u32 = 6;
const D_FLAGS: u32 = 7;
const FILE: u32 = 8;
const STREAM: u32 = 9;
const LOCALS: u32 = 10;
/// The global counting the answers written.
const COUNT: u32 = 0;
/// The heap's next allocation.
const NEXT: u32 = 1;

/// What a handle parameter is given.
#[derive(Clone, Copy)]
enum Holder {
    Local(u32),
}

impl<'a> Generator<'a> {
    fn new(resolve: &'a Resolve, version: &str) -> Self {
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve);
        Self {
            resolve,
            version: version.to_string(),
            sizes,
            types: TypeSection::new(),
            type_index: BTreeMap::new(),
            imports: ImportSection::new(),
            imported: BTreeMap::new(),
            body: Vec::new(),
            calls: Vec::new(),
            errors: Vec::new(),
            skipped: BTreeMap::new(),
            strings: Vec::new(),
        }
    }

    fn type_of(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        let key = (params.clone(), results.clone());
        if let Some(t) = self.type_index.get(&key) {
            return *t;
        }
        let t = self.types.len();
        self.types.ty().function(params, results);
        self.type_index.insert(key, t);
        t
    }

    fn import(&mut self, module: &str, name: &str, params: &[ValType], results: &[ValType]) -> u32 {
        let key = (module.to_string(), name.to_string());
        if let Some(f) = self.imported.get(&key) {
            return *f;
        }
        let t = self.type_of(params.to_vec(), results.to_vec());
        self.imports.import(module, name, EntityType::Function(t));
        let f = self.imported.len() as u32;
        self.imported.insert(key, f);
        f
    }

    fn versioned(&self, name: &str) -> String {
        format!("{name}@{}", self.version)
    }

    fn interface(&self, name: &str) -> wit_parser::InterfaceId {
        self.resolve
            .interfaces
            .iter()
            .find(|(id, _)| self.resolve.id_of(*id).as_deref() == Some(&self.versioned(name)))
            .map(|(id, _)| id)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    fn function(&self, interface: &str, name: &str) -> &'a WitFunction {
        let resolve = self.resolve;
        &resolve.interfaces[self.interface(interface)].functions[name]
    }

    fn string(&mut self, s: &str) -> (u32, u32) {
        let at = STRINGS + self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        (at, s.len() as u32)
    }

    fn flag_names(&self, flags: &str) -> Vec<String> {
        let types = self.interface("wasi:filesystem/types");
        let id = self.resolve.interfaces[types].types[flags];
        match &self.resolve.types[id].kind {
            TypeDefKind::Flags(f) => f.flags.iter().map(|f| f.name.clone()).collect(),
            _ => panic!("{flags} is no flags"),
        }
    }

    fn dealias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = &self.resolve.types[id].kind {
            id = *next;
        }
        id
    }

    fn resource_of(&self, ty: &Type) -> Option<(TypeId, bool)> {
        let Type::Id(id) = ty else { return None };
        match &self.resolve.types[self.dealias(*id)].kind {
            TypeDefKind::Handle(Handle::Own(r)) => Some((self.dealias(*r), true)),
            TypeDefKind::Handle(Handle::Borrow(r)) => Some((self.dealias(*r), false)),
            _ => None,
        }
    }

    fn holds_handle(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Type(t) | TypeDefKind::Option(t) | TypeDefKind::List(t) => {
                self.holds_handle(t)
            }
            TypeDefKind::Handle(_) => true,
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| self.holds_handle(t))
                    || r.err.as_ref().is_some_and(|t| self.holds_handle(t))
            }
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.holds_handle(t)),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.holds_handle(&f.ty)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(|t| self.holds_handle(t))),
            _ => false,
        }
    }

    fn flat(&self, ty: &Type) -> Vec<WasmType> {
        let mut storage = [WasmType::I32; 64];
        let mut flat = FlatTypes::new(&mut storage);
        self.resolve.push_flat(ty, &mut flat);
        flat.to_vec()
    }

    fn resource_name(&self, r: TypeId) -> String {
        self.resolve.types[r].name.clone().unwrap_or_default()
    }

    /// `[resource-drop]` of resource `r`, imported from its interface.
    fn drop_of(&mut self, r: TypeId) -> u32 {
        let wit_parser::TypeOwner::Interface(owner) = self.resolve.types[r].owner else {
            panic!("a resource outside an interface")
        };
        let module = self.resolve.id_of(owner).unwrap();
        let name = format!("[resource-drop]{}", self.resource_name(r));
        self.import(&module, &name, &[ValType::I32], &[])
    }

    /// The instructions that push `func`'s arguments, or why they cannot be made. Strings
    /// are `s.txt` then `t.txt`; a byte list is `x`; handles come from `holders`.
    fn arguments(
        &mut self,
        func: &WitFunction,
        holders: &dyn Fn(&str) -> Option<Holder>,
        flags: Option<(u32, u32)>,
    ) -> Result<Vec<I<'static>>, String> {
        let mut out = Vec::new();
        let mut strings = ["s.txt", "t.txt"].into_iter();
        for param in &func.params {
            if let Some((r, _)) = self.resource_of(&param.ty) {
                let name = self.resource_name(r);
                match holders(&name) {
                    Some(Holder::Local(l)) => out.push(I::LocalGet(l)),
                    None => return Err(format!("needs a `{name}`")),
                }
                continue;
            }
            if self.holds_handle(&param.ty) {
                return Err(format!("`{}` holds resources", param.name));
            }
            let is_string = matches!(param.ty, Type::String);
            let is_bytes = matches!(&param.ty, Type::Id(id) if matches!(self.resolve.types[self.dealias(*id)].kind, TypeDefKind::List(Type::U8)));
            if is_string || is_bytes {
                let text = if is_string {
                    strings.next().unwrap_or("s.txt")
                } else {
                    "x"
                };
                let (at, len) = self.string(text);
                out.push(I::I32Const(at as i32));
                out.push(I::I32Const(len as i32));
                continue;
            }
            let flag_param = match (&param.ty, flags) {
                (Type::Id(id), Some((o, d))) => {
                    match self.resolve.types[self.dealias(*id)].name.as_deref() {
                        Some("open-flags") => Some(o),
                        Some("descriptor-flags") => Some(d),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(local) = flag_param {
                out.push(I::LocalGet(local));
                continue;
            }
            for t in self.flat(&param.ty) {
                out.push(match t {
                    WasmType::I64 | WasmType::PointerOrI64 => I::I64Const(0),
                    WasmType::F32 => I::F32Const(0.0.into()),
                    WasmType::F64 => I::F64Const(0.0.into()),
                    _ => I::I32Const(0),
                });
            }
        }
        Ok(out)
    }

    /// Calls `func` of `interface` (or skips it, saying why) and records its answer as call
    /// `name`; an owned handle it returns is kept in `keep` when given, else dropped.
    fn call(
        &mut self,
        interface: &str,
        func: &WitFunction,
        name: String,
        holders: &dyn Fn(&str) -> Option<Holder>,
        flags: Option<(u32, u32)>,
        keep: Option<u32>,
    ) -> bool {
        let args = match self.arguments(func, holders, flags) {
            Ok(args) => args,
            Err(why) => {
                self.skipped.insert(name, why);
                return false;
            }
        };
        let signature = self.resolve.wasm_signature(AbiVariant::GuestImport, func);
        let params: Vec<ValType> = signature.params.iter().map(|t| val(*t)).collect();
        let results: Vec<ValType> = signature.results.iter().map(|t| val(*t)).collect();
        let f = self.import(&self.versioned(interface), &func.name, &params, &results);
        let index = self.calls.len() as u32;
        self.calls.push(name);
        self.errors.push(self.error_cases(func));
        self.body.extend(args);
        if signature.retptr {
            self.body.push(I::I32Const(RET as i32));
        }
        self.body.push(I::Call(f));
        self.answer(index, func, signature.retptr, keep);
        true
    }

    fn error_cases(&self, func: &WitFunction) -> Vec<String> {
        let Some(Type::Id(id)) = &func.result else {
            return Vec::new();
        };
        let TypeDefKind::Result(r) = &self.resolve.types[self.dealias(*id)].kind else {
            return Vec::new();
        };
        let Some(Type::Id(err)) = &r.err else {
            return Vec::new();
        };
        match &self.resolve.types[self.dealias(*err)].kind {
            TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).collect(),
            TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.name.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// Records the answer of the call just made (its value on the stack, or at `RET`).
    fn answer(&mut self, index: u32, func: &WitFunction, retptr: bool, keep: Option<u32>) {
        let record = |g: &mut Self, answer: Answer| {
            // (index, answer, value) with the value on the stack.
            g.body.push(I::LocalSet(HANDLE));
            g.record(index, answer.code(), HANDLE);
        };
        let Some(result) = &func.result else {
            self.body.push(I::I32Const(0));
            record(self, Answer::Returned);
            return;
        };
        let kind = match result {
            Type::Id(id) => Some(self.resolve.types[self.dealias(*id)].kind.clone()),
            _ => None,
        };
        match (kind, retptr) {
            (Some(TypeDefKind::Result(r)), true) => {
                let payload = self.payload_offset(result);
                self.body.extend([
                    I::I32Const(RET as i32),
                    I::I32Load8U(mem(0, 0)),
                    I::If(BlockType::Empty),
                    I::I32Const(RET as i32),
                    I::I32Load8U(mem(payload, 0)),
                ]);
                record(self, Answer::Err);
                self.body.push(I::Else);
                // An owned handle in `ok` is dropped (or kept).
                let mut value = vec![I::I32Const(0)];
                if let Some((res, true)) = r.ok.as_ref().and_then(|t| self.resource_of(t)) {
                    let drop = self.drop_of(res);
                    match keep {
                        Some(local) => {
                            self.body.extend([
                                I::I32Const(RET as i32),
                                I::I32Load(mem(payload, 2)),
                                I::LocalSet(local),
                            ]);
                        }
                        None => self.body.extend([
                            I::I32Const(RET as i32),
                            I::I32Load(mem(payload, 2)),
                            I::Call(drop),
                        ]),
                    }
                    value = vec![I::I32Const(1)];
                }
                self.body.extend(value);
                record(self, Answer::Ok);
                self.body.push(I::End);
            }
            (Some(TypeDefKind::List(_)), true) => {
                self.body
                    .extend([I::I32Const(RET as i32), I::I32Load(mem(4, 2))]);
                record(self, Answer::List);
            }
            (Some(TypeDefKind::Option(_)), true) => {
                self.body.extend([
                    I::I32Const(RET as i32),
                    I::I32Load8U(mem(0, 0)),
                    I::If(BlockType::Empty),
                    I::I32Const(0),
                ]);
                record(self, Answer::Some);
                self.body.extend([I::Else, I::I32Const(0)]);
                record(self, Answer::None);
                self.body.push(I::End);
            }
            (_, true) => {
                self.body.push(I::I32Const(0));
                record(self, Answer::Returned);
            }
            (_, false) => {
                // A value on the stack: a handle is kept or dropped, a number recorded.
                let flat = self.flat(result);
                match self.resource_of(result) {
                    Some((res, true)) => {
                        if let Some(local) = keep {
                            self.body.push(I::LocalTee(local));
                        } else {
                            let drop = self.drop_of(res);
                            self.body.push(I::LocalTee(HANDLE));
                            self.body.push(I::Call(drop));
                            self.body.push(I::LocalGet(HANDLE));
                        }
                        record(self, Answer::Returned);
                    }
                    _ if flat == [WasmType::I32] => record(self, Answer::Returned),
                    _ => {
                        for _ in &flat {
                            self.body.push(I::Drop);
                        }
                        self.body.push(I::I32Const(0));
                        record(self, Answer::Returned);
                    }
                }
            }
        }
    }

    fn payload_offset(&self, ty: &Type) -> u32 {
        let Type::Id(id) = ty else { return 0 };
        match &self.resolve.types[self.dealias(*id)].kind {
            TypeDefKind::Result(r) => [r.ok.as_ref(), r.err.as_ref()]
                .into_iter()
                .flatten()
                .map(|t| self.sizes.align(t).align_wasm32())
                .max()
                .unwrap_or(1)
                .max(1) as u32,
            _ => 1,
        }
    }

    /// Writes (index, answer, local `value`) to the answers.
    fn record(&mut self, index: u32, answer: u32, value: u32) {
        self.record_with(vec![I::I32Const(index as i32)], answer, value);
    }

    fn record_with(&mut self, index: Vec<I<'static>>, answer: u32, value: u32) {
        let at = |offset: u64| MemArg {
            offset: OUT as u64 + offset,
            align: 2,
            memory_index: 0,
        };
        let slot = [I::GlobalGet(COUNT), I::I32Const(12), I::I32Mul];
        self.body.extend(slot.clone());
        self.body.extend(index);
        self.body.push(I::I32Store(at(0)));
        self.body.extend(slot.clone());
        self.body.push(I::I32Const(answer as i32));
        self.body.push(I::I32Store(at(4)));
        self.body.extend(slot);
        self.body.push(I::LocalGet(value));
        self.body.push(I::I32Store(at(8)));
        self.body.extend([
            I::GlobalGet(COUNT),
            I::I32Const(1),
            I::I32Add,
            I::GlobalSet(COUNT),
        ]);
    }

    fn generate(&mut self) {
        let network = self.function("wasi:sockets/instance-network", "instance-network");
        let f = self.import(
            &self.versioned("wasi:sockets/instance-network"),
            &network.name,
            &[],
            &[ValType::I32],
        );
        self.body.extend([I::Call(f), I::LocalSet(NETWORK)]);
        let base: &dyn Fn(&str) -> Option<Holder> = &|name| match name {
            "network" => Some(Holder::Local(NETWORK)),
            _ => None,
        };
        // Every free function of every confined interface; the streams handed out by the
        // standard ones are probed method by method.
        for interface in CONFINED {
            let id = self.interface(interface);
            let functions: Vec<&WitFunction> = self.resolve.interfaces[id]
                .functions
                .values()
                .filter(|f| matches!(f.kind, FunctionKind::Freestanding))
                .collect();
            for func in functions {
                let name = format!("{interface}#{}", func.name);
                let stream = matches!(
                    func.name.as_str(),
                    "get-stdin" | "get-stdout" | "get-stderr"
                );
                if func.name == "get-directories" {
                    // Kept: the directories are probed below.
                    self.call(interface, func, name, base, None, None);
                    self.body.extend([
                        I::I32Const(RET as i32),
                        I::I32Load(mem(0, 2)),
                        I::LocalSet(DIRS),
                        I::I32Const(RET as i32),
                        I::I32Load(mem(4, 2)),
                        I::LocalSet(DIR_COUNT),
                    ]);
                    continue;
                }
                let keep = stream.then_some(STREAM);
                if self.call(interface, func, name, base, None, keep) && stream {
                    self.stream_methods(&func.name);
                }
            }
        }
        self.directories();
    }

    /// Every method of the stream just kept in `STREAM`, then the stream dropped.
    fn stream_methods(&mut self, getter: &str) {
        let (resource, other) = if getter == "get-stdin" {
            ("input-stream", "output-stream")
        } else {
            ("output-stream", "input-stream")
        };
        let streams = self.interface("wasi:io/streams");
        let methods: Vec<&WitFunction> = self.resolve.interfaces[streams]
            .functions
            .values()
            .filter(|f| f.name.starts_with(&format!("[method]{resource}.")))
            .collect();
        let holders = move |name: &str| (name == resource).then_some(Holder::Local(STREAM));
        for method in methods {
            let name = format!("{getter} then wasi:io/streams#{}", method.name);
            if method.name.contains("splice") {
                // Splicing needs the other kind of stream too.
                self.skipped.insert(name, format!("needs an `{other}` too"));
                continue;
            }
            self.call("wasi:io/streams", method, name, &holders, None, None);
        }
        let stream_type = self.resolve.interfaces[streams].types[resource];
        let drop = self.drop_of(self.dealias(stream_type));
        self.body.extend([I::LocalGet(STREAM), I::Call(drop)]);
    }

    /// For each granted directory: `open-at` of `s.txt` with every combination of flags, and
    /// every method of a descriptor on the directory, then on `s.txt` opened to read.
    fn directories(&mut self) {
        let open_at = self.function("wasi:filesystem/types", "[method]descriptor.open-at");
        let methods: Vec<&WitFunction> = {
            let id = self.interface("wasi:filesystem/types");
            self.resolve.interfaces[id]
                .functions
                .values()
                .filter(|f| {
                    f.name.starts_with("[method]descriptor.")
                        && f.name != "[method]descriptor.open-at"
                })
                .collect()
        };
        let open_bits = self.flag_names("open-flags").len() as u32;
        let descriptor_bits = self.flag_names("descriptor-flags").len() as u32;
        // for each directory (its handle in DIR)
        self.body.extend([
            I::I32Const(0),
            I::LocalSet(I_),
            I::Block(BlockType::Empty),
            I::Loop(BlockType::Empty),
            I::LocalGet(I_),
            I::LocalGet(DIR_COUNT),
            I::I32GeU,
            I::BrIf(1),
            I::LocalGet(DIRS),
            I::LocalGet(I_),
            I::I32Const(12),
            I::I32Mul,
            I::I32Add,
            I::I32Load(mem(0, 2)),
            I::LocalSet(DIR),
        ]);
        let dir: &dyn Fn(&str) -> Option<Holder> =
            &|name| (name == "descriptor").then_some(Holder::Local(DIR));
        // open-at(s.txt) with o and d counting through every flag combination.
        let first = self.calls.len() as u32;
        for o in 0..1u32 << open_bits {
            for d in 0..1u32 << descriptor_bits {
                self.calls.push(format!(
                    "open-at(s.txt, open-flags={o}, descriptor-flags={d})"
                ));
                self.errors.push(self.error_cases(open_at));
            }
        }
        self.body.extend([I::I32Const(0), I::LocalSet(O_FLAGS)]);
        self.body
            .extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
        self.body.extend([I::I32Const(0), I::LocalSet(D_FLAGS)]);
        self.body
            .extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
        let args = self
            .arguments(open_at, dir, Some((O_FLAGS, D_FLAGS)))
            .expect("open-at's arguments");
        let signature = self
            .resolve
            .wasm_signature(AbiVariant::GuestImport, open_at);
        let params: Vec<ValType> = signature.params.iter().map(|t| val(*t)).collect();
        let f = self.import(
            &self.versioned("wasi:filesystem/types"),
            &open_at.name,
            &params,
            &[],
        );
        self.body.extend(args);
        self.body.extend([I::I32Const(RET as i32), I::Call(f)]);
        let payload = self.payload_offset(open_at.result.as_ref().unwrap());
        let descriptor = {
            let id = self.interface("wasi:filesystem/types");
            self.resolve.interfaces[id].types["descriptor"]
        };
        let drop = self.drop_of(descriptor);
        let index = vec![
            I::I32Const(first as i32),
            I::LocalGet(O_FLAGS),
            I::I32Const(descriptor_bits as i32),
            I::I32Shl,
            I::I32Add,
            I::LocalGet(D_FLAGS),
            I::I32Add,
        ];
        self.body.extend([
            I::I32Const(RET as i32),
            I::I32Load8U(mem(0, 0)),
            I::If(BlockType::Empty),
            I::I32Const(RET as i32),
            I::I32Load8U(mem(payload, 0)),
            I::LocalSet(HANDLE),
        ]);
        self.record_with(index.clone(), Answer::Err.code(), HANDLE);
        self.body.extend([
            I::Else,
            I::I32Const(RET as i32),
            I::I32Load(mem(payload, 2)),
            I::Call(drop),
            I::I32Const(0),
            I::LocalSet(HANDLE),
        ]);
        self.record_with(index, Answer::Ok.code(), HANDLE);
        self.body.push(I::End);
        // next d, next o
        self.body.extend([
            I::LocalGet(D_FLAGS),
            I::I32Const(1),
            I::I32Add,
            I::LocalTee(D_FLAGS),
            I::I32Const(1 << descriptor_bits),
            I::I32LtU,
            I::BrIf(0),
            I::End,
            I::End,
            I::LocalGet(O_FLAGS),
            I::I32Const(1),
            I::I32Add,
            I::LocalTee(O_FLAGS),
            I::I32Const(1 << open_bits),
            I::I32LtU,
            I::BrIf(0),
            I::End,
            I::End,
        ]);
        // Every other method on the directory.
        for method in &methods {
            let name = format!("{} on the directory", method.name);
            self.call("wasi:filesystem/types", method, name, dir, None, None);
        }
        // s.txt opened to read, and every method on it.
        let (s_at, s_len) = self.string("s.txt");
        let read_bit = self
            .flag_names("descriptor-flags")
            .iter()
            .position(|f| f == "read")
            .unwrap() as i32;
        self.body.extend([
            I::LocalGet(DIR),
            I::I32Const(0),
            I::I32Const(s_at as i32),
            I::I32Const(s_len as i32),
            I::I32Const(0),
            I::I32Const(1 << read_bit),
            I::I32Const(RET as i32),
            I::Call(f),
            I::I32Const(RET as i32),
            I::I32Load8U(mem(0, 0)),
            I::I32Eqz,
            I::If(BlockType::Empty),
            I::I32Const(RET as i32),
            I::I32Load(mem(payload, 2)),
            I::LocalSet(FILE),
        ]);
        let file: &dyn Fn(&str) -> Option<Holder> =
            &|name| (name == "descriptor").then_some(Holder::Local(FILE));
        for method in &methods {
            let name = format!("{} on s.txt", method.name);
            self.call("wasi:filesystem/types", method, name, file, None, None);
        }
        self.body.extend([I::LocalGet(FILE), I::Call(drop), I::End]);
        // next directory
        self.body.extend([
            I::LocalGet(I_),
            I::I32Const(1),
            I::I32Add,
            I::LocalSet(I_),
            I::Br(0),
            I::End,
            I::End,
        ]);
    }

    fn finish(&mut self) -> Vec<u8> {
        let run_type = self.type_of(vec![], vec![ValType::I32]);
        let realloc_type = self.type_of(vec![ValType::I32; 4], vec![ValType::I32]);
        let imports = self.imported.len() as u32;
        let mut functions = FunctionSection::new();
        functions.function(run_type);
        functions.function(realloc_type);
        let mut code = CodeSection::new();
        let mut run = Function::new([(LOCALS, ValType::I32)]);
        for i in &self.body {
            run.instruction(i);
        }
        run.instruction(&I::I32Const(RET_AREA as i32));
        run.instruction(&I::I32Const(OUT as i32));
        run.instruction(&I::I32Store(mem(0, 2)));
        run.instruction(&I::I32Const(RET_AREA as i32));
        run.instruction(&I::GlobalGet(COUNT));
        run.instruction(&I::I32Store(mem(4, 2)));
        run.instruction(&I::I32Const(RET_AREA as i32));
        run.instruction(&I::End);
        code.function(&run);
        let mut realloc = Function::new([(1, ValType::I32)]);
        for i in [
            I::GlobalGet(NEXT),
            I::LocalGet(2),
            I::I32Add,
            I::I32Const(1),
            I::I32Sub,
            I::I32Const(0),
            I::LocalGet(2),
            I::I32Sub,
            I::I32And,
            I::LocalTee(4),
            I::LocalGet(3),
            I::I32Add,
            I::GlobalSet(NEXT),
            I::Block(BlockType::Empty),
            I::Loop(BlockType::Empty),
            I::GlobalGet(NEXT),
            I::MemorySize(0),
            I::I32Const(16),
            I::I32Shl,
            I::I32LeU,
            I::BrIf(1),
            I::I32Const(1),
            I::MemoryGrow(0),
            I::Drop,
            I::Br(0),
            I::End,
            I::End,
            I::LocalGet(1),
            I::If(BlockType::Empty),
            I::LocalGet(4),
            I::LocalGet(0),
            I::LocalGet(1),
            I::MemoryCopy {
                src_mem: 0,
                dst_mem: 0,
            },
            I::End,
            I::LocalGet(4),
            I::End,
        ] {
            realloc.instruction(&i);
        }
        code.function(&realloc);
        let mut memory = MemorySection::new();
        memory.memory(MemoryType {
            minimum: u64::from(HEAP.div_ceil(1 << 16)) + 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        let mut globals = GlobalSection::new();
        let mutable = GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        };
        globals.global(mutable, &ConstExpr::i32_const(0));
        globals.global(mutable, &ConstExpr::i32_const(HEAP as i32));
        let mut exports = ExportSection::new();
        exports.export("memory", ExportKind::Memory, 0);
        exports.export("test:probe/probe#run", ExportKind::Func, imports);
        exports.export("cabi_realloc", ExportKind::Func, imports + 1);
        let mut data = wasm_encoder::DataSection::new();
        data.active(
            0,
            &ConstExpr::i32_const(STRINGS as i32),
            self.strings.iter().copied(),
        );
        let mut module = Module::new();
        module
            .section(&self.types)
            .section(&self.imports)
            .section(&functions)
            .section(&memory)
            .section(&globals)
            .section(&exports)
            .section(&code)
            .section(&data);
        assert!(
            self.calls.len() as u32 <= OUT_MAX,
            "more calls than the answers hold"
        );
        module.finish()
    }
}

fn val(t: WasmType) -> ValType {
    match t {
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
        _ => ValType::I32,
    }
}

fn mem(offset: u32, align: u32) -> MemArg {
    MemArg {
        offset: u64::from(offset),
        align,
        memory_index: 0,
    }
}
