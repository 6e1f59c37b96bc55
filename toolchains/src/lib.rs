//! `compose-toolchains`: turns a component's sources into WebAssembly.
//!
//! One module per language. Each finds its toolchain ([`Tools`]), generates bindings from
//! the project's WIT where the language needs them, and compiles. The result is either a
//! finished component (Rust, through `wasm32-wasip2`) or a core module that
//! `compose-linker` still has to componentize (Go).

mod bindings;
mod c;
pub mod doctor;
mod error;
mod go;
mod language;
mod process;
mod python;
mod rust;
mod sources;
pub mod stubs;
mod tools;

use std::path::Path;

use compose_wit::wit_parser::WorldId;
use compose_wit::ProjectWit;

pub use error::ToolchainError;
pub use language::Language;
pub use sources::source_files;
pub use tools::{CCompiler, FoundGo, GoLookup, Tools, MIN_GO};

/// What one component build needs to know.
pub struct BuildInput<'a> {
    /// The component's name in compose.toml (used in messages).
    pub name: &'a str,
    /// Its language.
    pub language: Language,
    /// The folder of its sources.
    pub source_dir: &'a Path,
    /// The project's WIT.
    pub wit: &'a ProjectWit,
    /// The world the component implements.
    pub world: WorldId,
    /// A scratch folder owned by this component's build (generated sources, staging).
    pub work_dir: &'a Path,
}

/// What a language build produced.
#[derive(Debug)]
pub enum Built {
    /// A finished component.
    Component(Vec<u8>),
    /// A core module that still needs its world embedded and the WASI adapter.
    CoreModule {
        /// The module.
        bytes: Vec<u8>,
        /// Whether it is a command (a `main` program) or a reactor (a library).
        kind: ModuleKind,
    },
}

/// What a WASI preview1 core module is, which decides the adapter it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// A library: exports functions, no `main`.
    Reactor,
    /// A program: its `main` becomes `wasi:cli/run`.
    Command,
}

/// A fingerprint of everything outside the sources that shapes a build of `language`: the
/// toolchain's version and compose's own recipe for it. A change here means a rebuild.
pub fn fingerprint(language: Language, tools: &Tools) -> String {
    let tool_version = match language {
        Language::Rust => tools
            .cargo()
            .and_then(|c| tools::version_line(&c, &["--version"])),
        Language::Go => match tools.go() {
            GoLookup::Usable(go) => Some(go.version_line),
            _ => None,
        },
        Language::C => tools
            .c_compiler()
            .and_then(|c| tools::version_line(&c.program, &version_args(&c))),
        Language::Python => tools
            .componentize_py()
            .and_then(|c| tools::version_line(&c, &["--version"])),
        Language::Wasm => None,
    };
    let recipe = match language {
        Language::Go => go::recipe(),
        Language::C => c::RECIPE.to_string(),
        _ => String::new(),
    };
    format!(
        "{}|{language}|{}|{recipe}",
        env!("CARGO_PKG_VERSION"),
        tool_version.unwrap_or_default()
    )
}

/// Builds one component from its sources with the toolchain of its language.
pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    match input.language {
        Language::Rust => rust::build(input, tools),
        Language::Go => go::build(input, tools),
        Language::Wasm => {
            // A prebuilt component: the "source folder" is the file itself.
            let bytes = std::fs::read(input.source_dir).map_err(|e| ToolchainError::Io {
                what: format!("read prebuilt component `{}`", input.source_dir.display()),
                source: e,
            })?;
            Ok(Built::Component(bytes))
        }
        Language::C => c::build(input, tools),
        Language::Python => python::build(input, tools),
    }
}

fn version_args(c: &CCompiler) -> Vec<&str> {
    c.leading_args
        .iter()
        .filter(|a| !a.starts_with("--sysroot"))
        .map(String::as_str)
        .chain(["--version"])
        .collect()
}
