//! What a component is made of: its core modules, each named for what it is where that can
//! be recognised (CPython, the Go runtime, the WASI adapter, wit-component's glue), and the
//! language the component was written in.

use serde::{Deserialize, Serialize};
use wasmparser::{KnownCustom, Name, Parser, Payload};

/// One core module inside a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    /// What it is: `CPython (libpython3.14.so)`, `Go program and runtime`, `WASI preview1
    /// adapter`, `glue (wit-component)`, `Rust program`, or the module's own name.
    pub what: String,
    /// Its bytes, all sections.
    pub size: u64,
    /// Bytes of code (function bodies).
    pub code: u64,
    /// Bytes of data segments (initial memory).
    pub data: u64,
    /// Bytes of DWARF debug information (`.debug_*` sections; a release build has none).
    pub debug: u64,
}

/// What one module says of itself.
#[derive(Debug, Default)]
pub(super) struct ModuleFacts {
    pub size: u64,
    pub code: u64,
    pub data: u64,
    pub debug: u64,
    /// From its `name` section.
    pub name: Option<String>,
    /// From its `producers` section.
    pub languages: Vec<String>,
    pub processed_by: Vec<String>,
    /// Whether its function names are the WASI preview1 adapter's.
    pub adapter: bool,
    /// Whether it defines a linear memory (a program does; wit-component's glue does not).
    pub memory: bool,
    /// Whether it is a shared library (a `dylink.0` section), linked by wit-component.
    pub dylib: bool,
}

impl ModuleFacts {
    /// Reads a payload of this module (a custom section, the code, the data).
    pub fn take(&mut self, payload: &Payload<'_>) {
        match payload {
            Payload::CodeSectionStart { size, .. } => self.code += u64::from(*size),
            Payload::MemorySection(reader) => self.memory |= reader.count() > 0,
            Payload::DataSection(reader) => {
                let range = reader.range();
                self.data += range.end - range.start;
            }
            Payload::CustomSection(section) if section.name() == "dylink.0" => self.dylib = true,
            Payload::CustomSection(section) if section.name().starts_with(".debug") => {
                self.debug += section.data().len() as u64;
            }
            Payload::CustomSection(section) => match section.as_known() {
                KnownCustom::Name(names) => {
                    for name in names.into_iter().flatten() {
                        if let Name::Module { name, .. } = name {
                            self.name = Some(name.to_string());
                        }
                    }
                    let raw = section.data();
                    self.adapter |= contains(raw, b"wasi_snapshot_preview1");
                }
                KnownCustom::Producers(producers) => {
                    for field in producers.into_iter().flatten() {
                        let values = field
                            .values
                            .into_iter()
                            .flatten()
                            .map(|v| v.name.to_string());
                        match field.name {
                            "language" => self.languages.extend(values),
                            "processed-by" => self.processed_by.extend(values),
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn is_go(&self) -> bool {
        self.languages.iter().any(|l| l == "Go")
    }

    fn is_python(&self) -> bool {
        self.name
            .as_deref()
            .is_some_and(|n| n.starts_with("libpython") || n.starts_with("componentize_py_runtime"))
    }

    fn what(&self, python: bool) -> String {
        let name = self.name.as_deref().unwrap_or("");
        if name.starts_with("libpython") {
            return format!("CPython ({name})");
        }
        if name.starts_with("componentize_py_runtime") {
            return "componentize-py runtime".into();
        }
        if name.ends_with(".so") {
            return name.to_string();
        }
        if self.is_go() {
            return "Go program and runtime".into();
        }
        if self.adapter && self.size < 256 * 1024 {
            return "WASI preview1 adapter".into();
        }
        if self.languages.iter().any(|l| l == "Rust") {
            return "Rust program".into();
        }
        if self.languages.iter().any(|l| l.starts_with('C')) {
            return "C program".into();
        }
        if self.dylib {
            return "shared library".into();
        }
        if !self.memory && self.size < 64 * 1024 {
            return "glue (wit-component)".into();
        }
        if python {
            return "Python program (pre-initialized heap and standard library)".into();
        }
        if !name.is_empty() {
            return name.to_string();
        }
        "program".into()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The pieces of a component (largest first) and its language, from its modules' facts.
pub(super) fn summarize(modules: &[ModuleFacts]) -> (Vec<Piece>, Option<String>) {
    let python = modules.iter().any(ModuleFacts::is_python);
    let language = if python {
        Some("python")
    } else if modules.iter().any(ModuleFacts::is_go) {
        Some("go")
    } else {
        // The largest module that names a language (the adapter is Rust, and small).
        modules
            .iter()
            .filter(|m| !m.languages.is_empty())
            .max_by_key(|m| m.size)
            .and_then(|m| {
                if m.languages.iter().any(|l| l == "Rust") {
                    Some("rust")
                } else if m.languages.iter().any(|l| l.starts_with('C')) {
                    Some("c")
                } else {
                    None
                }
            })
    };
    let mut pieces: Vec<Piece> = modules
        .iter()
        .map(|m| Piece {
            what: m.what(python),
            size: m.size,
            code: m.code,
            data: m.data,
            debug: m.debug,
        })
        .collect();
    pieces.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.what.cmp(&b.what)));
    (pieces, language.map(str::to_string))
}

/// The pieces and language of a lone component (not read as part of a composition).
pub fn of_component(bytes: &[u8]) -> (Vec<Piece>, Option<String>) {
    let mut modules: Vec<ModuleFacts> = Vec::new();
    // Which module each nesting level is in (None: a component).
    let mut open: Vec<Option<usize>> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        match &payload {
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                modules.push(ModuleFacts {
                    size: unchecked_range.end - unchecked_range.start,
                    ..Default::default()
                });
                open.push(Some(modules.len() - 1));
                continue;
            }
            Payload::ComponentSection { .. } => {
                open.push(None);
                continue;
            }
            Payload::End(_) => {
                open.pop();
                continue;
            }
            _ => {}
        }
        if let Some(Some(module)) = open.last() {
            modules[*module].take(&payload);
        }
    }
    summarize(&modules)
}
