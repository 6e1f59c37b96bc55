//! Builds never ship stale code: a change to any file a component's build read, inside its
//! folder or not, rebuilds it (tests/fixtures/stale); what is not a source never does.

use std::path::Path;

use crate::support::*;

fn run(dir: &Path) -> Run {
    compose_in(dir, &["run"]).ok()
}

fn rebuilt(out: &Run, component: &str) -> bool {
    out.stderr.contains(&format!("Building {component} "))
}

#[test]
fn files_outside_a_component_that_its_build_read_are_inputs() {
    let project = copy_fixture("stale");
    let dir = project.path();
    let out = run(dir);
    assert_eq!(
        out.stdout, "rust-v1: c-v1 util-include go-v1 py-v1\n",
        "{out}"
    );
    let out = run(dir);
    assert!(!out.stderr.contains("Building"), "nothing changed\n{out}");

    // A Rust path dependency (cargo's dep-info).
    edit(&dir.join("rs-shared/src/lib.rs"), "rust-v1", "rust-v2");
    let out = run(dir);
    assert!(rebuilt(&out, "app") && !rebuilt(&out, "c-lib"), "{out}");
    assert!(out.stdout.starts_with("rust-v2:"), "{out}");

    // A C header of a parent folder (the compiler's dependency file).
    edit(&dir.join("c-shared/shared.h"), "c-v1", "c-v2");
    let out = run(dir);
    assert!(rebuilt(&out, "c-lib") && !rebuilt(&out, "app"), "{out}");
    assert!(out.stdout.contains("c-v2 util-include"), "{out}");

    // A header added earlier on the include path than the one used so far: zig's shared
    // cache must not serve the object compiled with the old one.
    std::fs::write(
        dir.join("c-lib/util.h"),
        "#define UTIL_TEXT \"util-local\"\n",
    )
    .unwrap();
    let out = run(dir);
    assert!(out.stdout.contains("c-v2 util-local"), "{out}");

    // A Go module `replace`d by a local folder (`go list -deps`).
    edit(&dir.join("go-shared/shared.go"), "go-v1", "go-v2");
    let out = run(dir);
    assert!(rebuilt(&out, "go-lib"), "{out}");
    assert!(out.stdout.contains("go-v2"), "{out}");

    // A Python module of a shared folder (Python's own import list).
    edit(&dir.join("py-shared/pyshared.py"), "py-v1", "py-v2");
    let out = run(dir);
    assert!(rebuilt(&out, "py-lib"), "{out}");
    assert_eq!(
        out.stdout, "rust-v2: c-v2 util-local go-v2 py-v2\n",
        "{out}"
    );
}

#[test]
fn ignored_files_environments_and_symlink_loops_are_not_sources() {
    let project = copy_fixture("stale");
    let dir = project.path();
    compose_in(dir, &["build"]).ok();
    // Files .gitignore names, a virtual environment, caches, and two links back to the
    // folder (which once made the walk run forever while memory grew).
    std::fs::write(dir.join("c-lib/.gitignore"), "*.log\nscratch/\n").unwrap();
    std::fs::write(dir.join("c-lib/build.log"), "noise").unwrap();
    std::fs::create_dir_all(dir.join("c-lib/scratch")).unwrap();
    std::fs::write(dir.join("c-lib/scratch/x.c"), "not compiled").unwrap();
    for venv in [
        "py-lib/venv/lib",
        "py-lib/node_modules/m",
        "py-lib/__pycache__",
    ] {
        std::fs::create_dir_all(dir.join(venv)).unwrap();
        std::fs::write(dir.join(venv).join("junk.py"), "raise SystemExit(1)").unwrap();
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", dir.join("c-lib/loop1")).unwrap();
        std::os::unix::fs::symlink(".", dir.join("c-lib/loop2")).unwrap();
    }
    // The .gitignore itself is hidden, so nothing the build reads changed.
    let out = compose_in(dir, &["build"]).ok();
    assert!(!out.stderr.contains("Building"), "{out}");
    std::fs::write(dir.join("c-lib/build.log"), "more noise").unwrap();
    let out = compose_in(dir, &["build"]).ok();
    assert!(!out.stderr.contains("Building"), "{out}");
}
