//! `compose wit` and `compose inspect`: file-driven where the output is the point.

use std::path::Path;

use crate::support::*;

/// Every `tests/wit-diff/<case>/` holds `old/`, `new/` and `expected.txt`: the output of
/// `compose wit diff old new` and its exit code. `COMPOSE_BLESS=1` rewrites them.
#[test]
fn wit_diff_classifies_every_case_like_its_snapshot() {
    let cases = repo().join("tests/wit-diff");
    let mut names: Vec<_> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{} cases", names.len());
    let bless = std::env::var_os("COMPOSE_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &names {
        let mut cmd = compose();
        cmd.current_dir(case).args(["wit", "diff", "old", "new"]);
        let out = run(&mut cmd);
        assert!(
            !out.stderr.contains("panicked"),
            "{}: {out}",
            case.display()
        );
        let actual = format!("{}[exit {}]\n", out.stdout, out.code.unwrap_or(-1));
        let expected_file = case.join("expected.txt");
        if bless {
            std::fs::write(&expected_file, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}\n--- expected\n{expected}--- actual\n{actual}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wit_check_print_and_deps_read_a_project() {
    let calc = repo().join("tests/fixtures/calc");
    let out = compose_in(&calc, &["wit", "check"]).ok();
    assert!(
        out.stderr
            .contains("Checked demo:calc@0.1.0 (WIT folder): 3 interfaces, 2 worlds"),
        "{out}"
    );
    let out = compose_in(&calc, &["wit", "print"]).ok();
    assert!(out.stdout.starts_with("package demo:calc@0.1.0;"), "{out}");
    assert!(
        out.stdout.contains("add: func(a: s32, b: s32) -> s32;"),
        "{out}"
    );
    // The printed WIT is WIT: it checks again.
    let printed = tempfile::tempdir().unwrap();
    std::fs::write(printed.path().join("calc.wit"), &out.stdout).unwrap();
    let mut cmd = compose();
    cmd.args(["wit", "check"]).arg(printed.path());
    run(&mut cmd).ok();

    let project = copy_fixture("matrix");
    compose_in(project.path(), &["wit", "deps"]).ok();
    // Reading never writes: WASI comes from compose's runtime, in memory.
    assert!(!project.path().join("wit/deps").exists());
    let out = compose_in(project.path(), &["wit", "deps"]).ok();
    assert!(out.stdout.starts_with("matrix:kit@0.1.0  "), "{out}");
    assert!(
        out.stdout
            .contains("\n  wasi:cli@0.2.12  compose's runtime (WASI)"),
        "{out}"
    );
    assert!(out.stdout.contains("\n    wasi:io@0.2.12  "), "{out}");
}

#[test]
fn wit_check_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.wit"),
        "package demo:x@0.1.0;\n\ninterface i {\n    f: func(a: u32 -> u32;\n}\n",
    )
    .unwrap();
    let mut cmd = compose();
    cmd.args(["wit", "check"]).arg(dir.path());
    run(&mut cmd)
        .fails()
        .stderr_has(&["bad.wit:4:", "fix the WIT at the location shown"]);
}

#[test]
fn inspect_shows_the_world_and_what_is_inside() {
    let project = copy_example("go-calls-rust");
    compose_in(project.path(), &["build"]).ok();
    let composed = project.path().join("target/compose/go-calls-rust.wasm");
    let mut cmd = compose();
    cmd.arg("inspect").arg(&composed);
    let out = run(&mut cmd).ok();
    assert!(out.stdout.contains(": component ("), "{out}");
    assert!(
        out.stdout.contains("\nexports:\n  wasi:cli/run@0.2."),
        "{out}"
    );
    assert!(
        !out.stdout.contains("demo:text/textkit"),
        "linked inside: {out}"
    );
    let inside = out.stdout.split("inside:\n").nth(1).expect("nested parts");
    assert_eq!(
        inside
            .lines()
            .filter(|l| l.starts_with("  component ("))
            .count(),
        2,
        "the Go command and the Rust library: {out}"
    );

    for (name, bytes) in [
        ("empty.wasm", Vec::new()),
        ("text.wasm", b"hello, world".to_vec()),
        (
            "truncated.wasm",
            std::fs::read(&composed).unwrap()[..1000].to_vec(),
        ),
    ] {
        let path = project.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut cmd = compose();
        cmd.arg("inspect").arg(&path);
        run(&mut cmd).fails().stderr_has(&[name]);
    }
    let mut cmd = compose();
    cmd.arg("inspect").arg(Path::new("/nonexistent.wasm"));
    run(&mut cmd).fails().stderr_has(&["/nonexistent.wasm"]);
}
