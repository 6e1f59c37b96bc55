//! `compose wit check|print|deps|diff` and `compose inspect`: reading WIT and components,
//! never writing anything.

use std::path::{Path, PathBuf};

use compose_wit::decode::{decode, print_package, Decoded};
use compose_wit::diff::Diff;
use compose_wit::wit_parser::{PackageId, Resolve};
use compose_wit::ProjectWit;

use crate::lock::Lock;
use crate::ProjectError;

/// WIT read from a folder or a `.wasm`.
#[derive(Debug, Clone)]
pub struct LoadedWit {
    pub resolve: Resolve,
    /// The package: the folder's own, the encoded WIT package, or the one holding a
    /// component's world.
    pub package: PackageId,
    /// What it was: `WIT folder`, `WIT package`, `component`.
    pub kind: &'static str,
    /// The files read (for a folder).
    pub sources: Vec<PathBuf>,
}

/// Reads `path`: a folder of WIT (with its `deps/`; WASI packages it names and lacks come
/// from compose's runtime), or a `.wasm` component or WIT package.
pub fn load_wit_source(path: &Path) -> Result<LoadedWit, ProjectError> {
    if !path.exists() {
        return Err(ProjectError::Input {
            message: format!("`{}` does not exist", path.display()),
            help: "give a folder of WIT files, or a `.wasm` component or WIT package".into(),
        });
    }
    if path.is_dir() {
        let host = compose_runtime::host_wit(&compose_wit::own_text(path));
        let host: Vec<(&str, &str)> = host.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        let wit = ProjectWit::load_reading_only(path, &host)?;
        return Ok(LoadedWit {
            resolve: wit.resolve,
            package: wit.package,
            kind: "WIT folder",
            sources: wit.sources,
        });
    }
    let bytes = compose_fs::read_regular(path, compose_toolchains::MAX_COMPONENT_SIZE)
        .map_err(|e| ProjectError::io(format!("read `{}`", path.display()), e))?;
    Ok(match decode(&bytes, &path.display().to_string())? {
        Decoded::WitPackage {
            resolve, package, ..
        } => LoadedWit {
            resolve: *resolve,
            package,
            kind: "WIT package",
            sources: Vec::new(),
        },
        Decoded::Component { resolve, world, .. } => {
            let package = resolve.worlds[world]
                .package
                .expect("a decoded world belongs to a package");
            LoadedWit {
                resolve: *resolve,
                package,
                kind: "component",
                sources: Vec::new(),
            }
        }
    })
}

/// The package of `path` as WIT text.
pub fn wit_print(path: &Path) -> Result<String, ProjectError> {
    let loaded = load_wit_source(path)?;
    Ok(print_package(&loaded.resolve, loaded.package)?)
}

/// What changed from `old` to `new` (each a folder or a `.wasm`).
pub fn wit_diff(old: &Path, new: &Path) -> Result<Diff, ProjectError> {
    let (o, n) = (load_wit_source(old)?, load_wit_source(new)?);
    Ok(compose_wit::diff::diff(
        &o.resolve, o.package, &n.resolve, n.package,
    ))
}

/// One package in the dependency tree.
#[derive(Debug, Clone)]
pub struct DepNode {
    /// `ns:name@version`.
    pub name: String,
    /// How deep: 0 is the folder's own package.
    pub depth: usize,
    /// Where it came from.
    pub origin: String,
}

/// The packages of the WIT folder `dir` as a tree (each package, then what it uses), with
/// where each one came from; `lock_dir` holds compose.lock, if any.
pub fn wit_deps(dir: &Path, lock_dir: Option<&Path>) -> Result<Vec<DepNode>, ProjectError> {
    let loaded = load_wit_source(dir)?;
    let lock = match lock_dir {
        Some(d) => Lock::read(d)?,
        None => Lock::default(),
    };
    let resolve = &loaded.resolve;
    let origin = |id: PackageId| -> String {
        let name = resolve.packages[id].name.to_string();
        if id == loaded.package {
            return format!("{}", dir.display());
        }
        if let Some(locked) = lock
            .packages
            .iter()
            .find(|p| p.kind == "wit" && p.name == name)
        {
            return format!("registry {} ({})", locked.reference, locked.digest);
        }
        let file = loaded.sources.iter().find(|s| {
            std::fs::read_to_string(s).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.trim_start().starts_with(&format!("package {name}")))
            })
        });
        match file {
            Some(f)
                if f.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("wasi-")) =>
            {
                format!("{} (written by compose: its runtime's WASI)", f.display())
            }
            Some(f) => f.display().to_string(),
            None if name.starts_with("wasi:") => "compose's runtime (WASI)".to_string(),
            None => "unknown".to_string(),
        }
    };
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    walk(resolve, loaded.package, 0, &origin, &mut seen, &mut out);
    Ok(out)
}

fn walk(
    resolve: &Resolve,
    id: PackageId,
    depth: usize,
    origin: &dyn Fn(PackageId) -> String,
    seen: &mut std::collections::BTreeSet<PackageId>,
    out: &mut Vec<DepNode>,
) {
    let first = seen.insert(id);
    out.push(DepNode {
        name: resolve.packages[id].name.to_string(),
        depth,
        origin: if first {
            origin(id)
        } else {
            "(see above)".into()
        },
    });
    if !first {
        return;
    }
    let mut uses: Vec<PackageId> = resolve
        .package_direct_deps(id)
        .filter(|d| *d != id)
        .collect();
    uses.sort_by_key(|d| resolve.packages[*d].name.to_string());
    uses.dedup();
    for dep in uses {
        walk(resolve, dep, depth + 1, origin, seen, out);
    }
}

/// What a `.wasm` file holds.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// `component`, `WIT package` or `core module`.
    pub kind: &'static str,
    pub size: usize,
    /// For a component: its imports and exports; for a WIT package: its interfaces and
    /// worlds (as exports).
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// Components and core modules nested inside, depth first.
    pub nested: Vec<Nested>,
    /// For a composition: its component instances (named), who imports what from whom,
    /// and what each is made of. Empty for anything else.
    pub graph: compose_linker::Graph,
    /// For a lone component: the core modules it is made of, largest first.
    pub pieces: Vec<compose_linker::graph::Piece>,
}

/// A component or core module inside another.
#[derive(Debug, Clone)]
pub struct Nested {
    pub depth: usize,
    pub kind: &'static str,
    pub size: usize,
}

/// Inspects `path`; an error (never a panic) for bytes that are not WebAssembly.
pub fn inspect(path: &Path) -> Result<Inspection, ProjectError> {
    let bytes = compose_fs::read_regular(path, compose_toolchains::MAX_COMPONENT_SIZE)
        .map_err(|e| ProjectError::io(format!("read `{}`", path.display()), e))?;
    inspect_bytes(&bytes, &path.display().to_string())
}

/// Inspects `bytes` (named `what` in errors); any bytes at all give a result or an error.
pub fn inspect_bytes(bytes: &[u8], what: &str) -> Result<Inspection, ProjectError> {
    let bytes = bytes.to_vec();
    let what = what.to_string();
    if wasmparser::Parser::is_core_wasm(&bytes) {
        return Ok(Inspection {
            kind: "core module",
            size: bytes.len(),
            imports: Vec::new(),
            exports: Vec::new(),
            nested: Vec::new(),
            graph: Default::default(),
            pieces: Vec::new(),
        });
    }
    let (kind, imports, exports) = match decode(&bytes, &what)? {
        Decoded::Component {
            imports, exports, ..
        } => ("component", imports, exports),
        Decoded::WitPackage { items, .. } => ("WIT package", Vec::new(), items),
    };
    let mut nested = Vec::new();
    nested_parts(&bytes, 1, &mut nested);
    // A file that decoded is read again for its graph; one that does not read as a
    // composition (a WIT package, a lone component) has none.
    let graph = compose_linker::Graph::read(&bytes).unwrap_or_default();
    let pieces = if kind == "component" && graph.nodes.is_empty() {
        compose_linker::graph::pieces_of_component(&bytes).0
    } else {
        Vec::new()
    };
    Ok(Inspection {
        kind,
        size: bytes.len(),
        imports,
        exports,
        nested,
        graph,
        pieces,
    })
}

/// Nested parts listed at most (a hostile file can hold millions).
const MAX_NESTED_SHOWN: usize = 10_000;

/// The components and modules inside `bytes` (a component), at every depth, in one pass
/// over the sections (no recursion: a file nested thousands deep is just a long list).
fn nested_parts(bytes: &[u8], depth: usize, out: &mut Vec<Nested>) {
    use wasmparser::{Parser, Payload};
    let mut open = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { return };
        let (kind, range) = match payload {
            Payload::ModuleSection {
                unchecked_range, ..
            } => ("core module", unchecked_range),
            Payload::ComponentSection {
                unchecked_range, ..
            } => ("component", unchecked_range),
            Payload::End(_) => {
                open = open.saturating_sub(1);
                continue;
            }
            _ => continue,
        };
        if out.len() < MAX_NESTED_SHOWN {
            out.push(Nested {
                depth: depth + open,
                kind,
                size: (range.end - range.start) as usize,
            });
        }
        open += 1;
    }
}

/// Reads the component file at `path`, validated; a WIT package (a component in form, but
/// holding only types) is refused, with `help` saying what to give instead.
pub(crate) fn read_component(path: &Path, help: &str) -> Result<Vec<u8>, ProjectError> {
    let bytes = compose_fs::read_regular(path, compose_toolchains::MAX_COMPONENT_SIZE)
        .map_err(|e| ProjectError::io(format!("read `{}`", path.display()), e))?;
    let what = path.display().to_string();
    // Validated and decoded first: a broken file gets the validator's own words.
    if let Decoded::WitPackage { name, .. } = decode(&bytes, &what)? {
        return Err(not_a_component(&what, &name, help));
    }
    Ok(bytes)
}

/// The error for a WIT package given where a component is wanted.
pub(crate) fn not_a_component(what: &str, package: &str, help: &str) -> ProjectError {
    ProjectError::Input {
        message: format!("`{what}` is the WIT package `{package}`, not a component"),
        help: help.to_string(),
    }
}

/// The name of the WIT package `bytes` encode, if they encode one.
pub(crate) fn wit_package_name(bytes: &[u8], what: &str) -> Option<String> {
    match decode(bytes, what).ok()? {
        Decoded::WitPackage { name, .. } => Some(name),
        Decoded::Component { .. } => None,
    }
}
