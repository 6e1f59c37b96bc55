//! `compose-toolchains`: turns a component's sources into WebAssembly.
//!
//! One module per language. Each finds its toolchain ([`Tools`]), generates bindings from
//! the project's WIT where the language needs them, and compiles in the [`Profile`] asked
//! for. The result ([`Built`]) is a finished component (Rust, Python) or a core module that
//! `compose-linker` still has to componentize (Go, C), and the files outside the
//! component's folder that the compiler reports having read (a path dependency, a header of
//! a parent folder, a `replace`d Go module, an imported Python module), so that a change to
//! any of them rebuilds it.

#![deny(unsafe_code)]

mod bindings;
mod c;
mod depfile;
pub mod doctor;
mod error;
mod go;
mod language;
mod options;
mod process;
mod profile;
mod python;
mod rust;
pub mod stubs;
mod tools;

use std::path::{Path, PathBuf};

use compose_wit::wit_parser::WorldId;
use compose_wit::ProjectWit;

pub use compose_fs::source_files;
pub use error::ToolchainError;
pub use language::Language;
pub use options::{BindingOptions, StringEncoding};
pub use profile::Profile;
pub use tools::{CCompiler, FoundGo, GoLookup, Tools, MIN_GO};

/// What one component build needs to know.
pub struct BuildInput<'a> {
    /// The component's name in compose.toml (used in messages).
    pub name: &'a str,
    /// Its language.
    pub language: Language,
    /// The folder of its sources (for a prebuilt component, the file).
    pub source_dir: &'a Path,
    /// The project's WIT.
    pub wit: &'a ProjectWit,
    /// The world the component implements.
    pub world: WorldId,
    /// A scratch folder owned by this component's build (generated sources, staging).
    pub work_dir: &'a Path,
    /// Development or release.
    pub profile: Profile,
    /// Options for the bindings generator of its language.
    pub options: &'a BindingOptions,
    /// Folders outside its own that its sources use: C include folders, Python module
    /// folders (absolute).
    pub include: &'a [PathBuf],
    /// The jobserver of the build: compilers that take part (cargo) share its tokens.
    pub jobs: Option<&'a jobserver::Client>,
}

/// What a language build produced.
#[derive(Debug)]
pub struct Built {
    /// The component or core module.
    pub output: Output,
    /// Files outside the component's folder that the build read, as its compiler reports
    /// them (absolute paths; toolchain and registry files left out).
    pub inputs: Vec<PathBuf>,
    /// How long generating bindings took, where compose generates them before the compiler
    /// runs (Go, C); Rust's and Python's compilers generate their own.
    pub bindings: Option<std::time::Duration>,
}

/// The bytes a build produced.
#[derive(Debug)]
pub enum Output {
    /// A finished component.
    Component(Vec<u8>),
    /// A core module that still needs its world embedded and the WASI adapter.
    CoreModule {
        /// The module.
        bytes: Vec<u8>,
        /// Whether it is a command (a `main` program) or a reactor (a library).
        kind: ModuleKind,
        /// The string encoding its bindings use.
        encoding: StringEncoding,
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
/// toolchain's version, compose's own recipe for it, the profile and the generator options.
/// A change here means a rebuild.
pub fn fingerprint(
    language: Language,
    tools: &Tools,
    profile: Profile,
    options: &BindingOptions,
) -> String {
    let tool_version = match language {
        Language::Rust => tools
            .cargo()
            .and_then(|c| tools.version(&c, &["--version"])),
        Language::Go => match tools.go() {
            GoLookup::Usable(go) => Some(go.version_line),
            _ => None,
        },
        Language::C => tools
            .c_compiler()
            .and_then(|c| tools.version(&c.program, &c.version_args())),
        Language::Python => tools
            .componentize_py()
            .and_then(|c| tools.version(&c, &["--version"])),
        Language::Wasm => None,
    };
    let recipe = match language {
        Language::Go => go::recipe(profile),
        Language::C => c::recipe(profile),
        Language::Rust => rust::recipe(profile),
        Language::Python => python::recipe(),
        Language::Wasm => String::new(),
    };
    format!(
        "{}|{language}|{}|{recipe}|{options:?}",
        env!("CARGO_PKG_VERSION"),
        tool_version.unwrap_or_default()
    )
}

/// Builds one component from its sources with the toolchain of its language.
pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    match input.language {
        Language::Rust => rust::build(input, tools),
        Language::Go => go::build(input, tools),
        Language::C => c::build(input, tools),
        Language::Python => python::build(input, tools),
        Language::Wasm => {
            // A prebuilt component: the "source folder" is the file itself.
            let bytes =
                compose_fs::read_regular(input.source_dir, MAX_COMPONENT_SIZE).map_err(|e| {
                    ToolchainError::Io {
                        what: format!("read prebuilt component `{}`", input.source_dir.display()),
                        source: e,
                    }
                })?;
            Ok(Built {
                output: Output::Component(bytes),
                inputs: Vec::new(),
                bindings: None,
            })
        }
    }
}

/// The largest component file compose reads (1 GiB); a Python component is about 20 MB.
pub const MAX_COMPONENT_SIZE: u64 = 1 << 30;

/// Keeps the inputs a compiler reported that are worth watching: not in `skip` (the
/// toolchain's own files, package caches, build outputs), each once, sorted.
fn watched(inputs: impl IntoIterator<Item = PathBuf>, skip: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = inputs
        .into_iter()
        .filter(|p| p.is_absolute() && !skip.iter().any(|s| p.starts_with(s)))
        .collect();
    out.sort();
    out.dedup();
    out
}
