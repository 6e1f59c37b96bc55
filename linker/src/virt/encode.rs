//! A small assembler for the virtual component's core module, on `wasm-encoder`: functions
//! are written as instructions whose calls name their callee (an import, a helper) rather
//! than an index, since imports are only all known once every body is written; data is laid
//! out by address, and the memory sized to hold it.

use std::collections::HashMap;

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemArg,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wit_parser::abi::WasmType;

/// Bytes of a wasm page.
const PAGE: u64 = 1 << 16;

/// A function a body calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Callee {
    /// The `n`th import.
    Import(u32),
    /// One of the module's own helpers.
    Helper(Helper),
    /// The `n`th function the module defines (after its helpers).
    Defined(u32),
}

/// The helpers every virtual module has (and `Ready` when it wraps streams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Helper {
    /// `cabi_realloc(old, old_size, align, size) -> ptr`: the bump allocator.
    Realloc,
    /// `equal(a, a_len, b, b_len) -> bool`: byte comparison.
    Equal,
    /// `equal_ignoring_case(a, a_len, b, b_len) -> bool`: ASCII letters of either case.
    EqualIgnoringCase,
    /// `give(handle, name, name_len)`: appends a directory to the answer being built.
    Give,
    /// `ready() -> pollable`: a pollable that is ready at once.
    Ready,
    /// `host_allows(authority, authority_len, host, host_len, port_given) -> bool`.
    HostAllows,
}

/// The globals every virtual module has.
pub(super) mod global {
    /// Where the heap's next allocation starts.
    pub const HEAP: u32 = 0;
    /// The list of directories being built.
    pub const OUT: u32 = 1;
    /// How many entries it has.
    pub const GIVEN: u32 = 2;
    /// Where the heap starts (after the data): where it is emptied to after each call.
    pub const HEAP_START: u32 = 3;
}

enum Op {
    Plain(Instruction<'static>),
    Call(Callee),
}

/// One function's body being written.
pub(super) struct Body {
    params: u32,
    locals: Vec<ValType>,
    ops: Vec<Op>,
}

impl Body {
    /// A body for a function of `params` parameters.
    pub(super) fn new(params: usize) -> Self {
        Self {
            params: params as u32,
            locals: Vec::new(),
            ops: Vec::new(),
        }
    }

    /// A new `i32` local.
    pub(super) fn local(&mut self) -> u32 {
        self.locals.push(ValType::I32);
        self.params + self.locals.len() as u32 - 1
    }

    /// Appends an instruction.
    pub(super) fn op(&mut self, instruction: Instruction<'static>) -> &mut Self {
        self.ops.push(Op::Plain(instruction));
        self
    }

    /// Appends a call.
    pub(super) fn call(&mut self, callee: Callee) -> &mut Self {
        self.ops.push(Op::Call(callee));
        self
    }

    pub(super) fn i32(&mut self, value: u32) -> &mut Self {
        self.op(Instruction::I32Const(value as i32))
    }

    pub(super) fn get(&mut self, local: u32) -> &mut Self {
        self.op(Instruction::LocalGet(local))
    }

    pub(super) fn set(&mut self, local: u32) -> &mut Self {
        self.op(Instruction::LocalSet(local))
    }

    /// `i32.load offset` of the address on the stack.
    pub(super) fn load(&mut self, offset: u32) -> &mut Self {
        self.op(Instruction::I32Load(mem(offset, 2)))
    }

    /// `i32.load8_u offset` of the address on the stack.
    pub(super) fn load8(&mut self, offset: u32) -> &mut Self {
        self.op(Instruction::I32Load8U(mem(offset, 0)))
    }

    /// `i32.store offset` of the address and value on the stack.
    pub(super) fn store(&mut self, offset: u32) -> &mut Self {
        self.op(Instruction::I32Store(mem(offset, 2)))
    }

    /// `if` with no result.
    pub(super) fn if_(&mut self) -> &mut Self {
        self.op(Instruction::If(BlockType::Empty))
    }

    pub(super) fn block(&mut self) -> &mut Self {
        self.op(Instruction::Block(BlockType::Empty))
    }

    pub(super) fn loop_(&mut self) -> &mut Self {
        self.op(Instruction::Loop(BlockType::Empty))
    }

    pub(super) fn end(&mut self) -> &mut Self {
        self.op(Instruction::End)
    }
}

/// `i32` memory access at `offset` from the address, aligned to `2^align`.
fn mem(offset: u32, align: u32) -> MemArg {
    MemArg {
        offset: u64::from(offset),
        align,
        memory_index: 0,
    }
}

/// A core function type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Signature {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl Signature {
    pub(super) fn new(params: &[ValType], results: &[ValType]) -> Self {
        Self {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    /// The signature of flattened canonical-ABI types.
    pub(super) fn flat(params: &[WasmType], results: &[WasmType]) -> Self {
        Self {
            params: params.iter().map(|t| val_type(*t)).collect(),
            results: results.iter().map(|t| val_type(*t)).collect(),
        }
    }
}

/// The core type a canonical-ABI flat type is.
pub(super) fn val_type(t: WasmType) -> ValType {
    match t {
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
        _ => ValType::I32,
    }
}

/// Constant bytes kept in the module's data: names and fixed answers.
pub(super) struct Data {
    start: u32,
    bytes: Vec<u8>,
}

impl Data {
    /// Data placed from address `start` on.
    pub(super) fn at(start: u32) -> Self {
        Self {
            start,
            bytes: Vec::new(),
        }
    }

    /// Where `name` is, and its length.
    pub(super) fn name(&mut self, name: &str) -> Result<(u32, u32), String> {
        let at = self.next()?;
        let len = u32::try_from(name.len()).map_err(|_| too_big(name.len()))?;
        self.bytes.extend_from_slice(name.as_bytes());
        Ok((at, len))
    }

    /// Where `bytes` are, at an address aligned for any answer.
    pub(super) fn aligned(&mut self, bytes: &[u8]) -> Result<u32, String> {
        while !self.bytes.len().is_multiple_of(8) {
            self.bytes.push(0);
        }
        let at = self.next()?;
        self.bytes.extend_from_slice(bytes);
        Ok(at)
    }

    fn next(&self) -> Result<u32, String> {
        u32::try_from(self.bytes.len())
            .ok()
            .and_then(|len| self.start.checked_add(len))
            .ok_or_else(|| too_big(self.bytes.len()))
    }

    /// The first address after the data, aligned for the heap.
    fn end(&self) -> Result<u32, String> {
        let end = self.next()?;
        end.checked_add(15)
            .map(|e| e & !15)
            .ok_or_else(|| too_big(self.bytes.len()))
    }
}

fn too_big(bytes: usize) -> String {
    format!("the granted names take {bytes} bytes, more than a virtual component's memory holds")
}

/// The module being written: its imports (each once), its functions and exports.
pub(super) struct ModuleBuilder {
    imports: Vec<(String, String, Signature)>,
    imported: HashMap<(String, String), u32>,
    helpers: Vec<(Helper, Signature, Body)>,
    functions: Vec<(Signature, Body)>,
    exports: Vec<(String, usize)>,
}

impl ModuleBuilder {
    pub(super) fn new() -> Self {
        Self {
            imports: Vec::new(),
            imported: HashMap::new(),
            helpers: Vec::new(),
            functions: Vec::new(),
            exports: Vec::new(),
        }
    }

    /// The function imported as `name` from `module` (imported once, however often asked).
    pub(super) fn import(&mut self, module: &str, name: &str, signature: Signature) -> Callee {
        let key = (module.to_string(), name.to_string());
        if let Some(&n) = self.imported.get(&key) {
            return Callee::Import(n);
        }
        let n = self.imports.len() as u32;
        self.imports
            .push((module.to_string(), name.to_string(), signature));
        self.imported.insert(key, n);
        Callee::Import(n)
    }

    /// Defines a helper (once).
    pub(super) fn helper(&mut self, helper: Helper, signature: Signature, body: Body) {
        if !self.helpers.iter().any(|(h, _, _)| *h == helper) {
            self.helpers.push((helper, signature, body));
        }
    }

    /// Defines a function the module calls itself.
    pub(super) fn define(&mut self, signature: Signature, body: Body) -> Callee {
        self.functions.push((signature, body));
        Callee::Defined(self.functions.len() as u32 - 1)
    }

    /// Defines a function exported as `name`.
    pub(super) fn export(&mut self, name: &str, signature: Signature, body: Body) {
        self.functions.push((signature, body));
        self.exports
            .push((name.to_string(), self.functions.len() - 1));
    }

    /// The module's bytes: its memory holds `data` and grows as the heap needs.
    pub(super) fn finish(self, data: &Data) -> Result<Vec<u8>, String> {
        let heap = data.end()?;
        let imports = self.imports.len() as u32;
        let helper_index: HashMap<Helper, u32> = self
            .helpers
            .iter()
            .enumerate()
            .map(|(i, (h, _, _))| (*h, imports + i as u32))
            .collect();
        let first_export = imports + self.helpers.len() as u32;
        let index_of = |callee: Callee| -> Result<u32, String> {
            match callee {
                Callee::Import(n) => Ok(n),
                Callee::Helper(h) => helper_index
                    .get(&h)
                    .copied()
                    .ok_or_else(|| format!("the helper {h:?} is called but not defined")),
                Callee::Defined(n) => Ok(first_export + n),
            }
        };

        let mut types = TypeSection::new();
        let mut type_index: HashMap<Signature, u32> = HashMap::new();
        let mut type_of = |s: &Signature, types: &mut TypeSection| -> u32 {
            if let Some(&t) = type_index.get(s) {
                return t;
            }
            let t = types.len();
            types
                .ty()
                .function(s.params.iter().copied(), s.results.iter().copied());
            type_index.insert(s.clone(), t);
            t
        };
        let mut import_section = ImportSection::new();
        for (module, name, signature) in &self.imports {
            let t = type_of(signature, &mut types);
            import_section.import(module, name, EntityType::Function(t));
        }
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        let defined = self
            .helpers
            .iter()
            .map(|(_, s, b)| (s, b))
            .chain(self.functions.iter().map(|(s, b)| (s, b)));
        for (signature, body) in defined {
            functions.function(type_of(signature, &mut types));
            let mut f = Function::new_with_locals_types(body.locals.iter().copied());
            for op in &body.ops {
                match op {
                    Op::Plain(i) => f.instruction(i),
                    Op::Call(c) => f.instruction(&Instruction::Call(index_of(*c)?)),
                };
            }
            f.instruction(&Instruction::End);
            code.function(&f);
        }
        let pages = u64::from(heap).div_ceil(PAGE);
        let mut memory = MemorySection::new();
        memory.memory(MemoryType {
            minimum: pages.max(1),
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
        globals.global(mutable, &ConstExpr::i32_const(heap as i32));
        globals.global(mutable, &ConstExpr::i32_const(0));
        globals.global(mutable, &ConstExpr::i32_const(0));
        globals.global(
            GlobalType {
                mutable: false,
                ..mutable
            },
            &ConstExpr::i32_const(heap as i32),
        );
        let mut exports = ExportSection::new();
        exports.export("memory", ExportKind::Memory, 0);
        if let Some(realloc) = helper_index.get(&Helper::Realloc) {
            exports.export("cabi_realloc", ExportKind::Func, *realloc);
        }
        for (name, n) in &self.exports {
            exports.export(name, ExportKind::Func, first_export + *n as u32);
        }
        let mut data_section = DataSection::new();
        if !data.bytes.is_empty() {
            data_section.active(
                0,
                &ConstExpr::i32_const(data.start as i32),
                data.bytes.iter().copied(),
            );
        }
        let mut module = Module::new();
        module
            .section(&types)
            .section(&import_section)
            .section(&functions)
            .section(&memory)
            .section(&globals)
            .section(&exports)
            .section(&code)
            .section(&data_section);
        Ok(module.finish())
    }
}
