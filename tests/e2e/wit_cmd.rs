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
        failures.extend(check_snapshot(case, &actual));
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
fn wit_diff_reads_a_wasm_on_either_side() {
    // The matrix's WIT package, encoded as registries hold it, against its source folder.
    let encoded = repo().join("tests/broken/_components/package.wasm");
    let folder = repo().join("tests/fixtures/matrix/wit");
    let mut cmd = compose();
    cmd.args(["wit", "diff"]).arg(&encoded).arg(&folder);
    let out = run(&mut cmd).ok();
    assert_eq!(
        out.stdout, "matrix:kit@0.1.0 → matrix:kit@0.1.0\n0 changes, 0 breaking\n",
        "{out}"
    );
    // A changed copy of the folder: one function fewer, same version.
    let changed = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(folder.join("kit.wit")).unwrap();
    std::fs::write(
        changed.path().join("kit.wit"),
        text.replace("    peek: func(c: borrow<counter>) -> u64;\n", ""),
    )
    .unwrap();
    let mut cmd = compose();
    cmd.args(["wit", "diff"]).arg(&encoded).arg(changed.path());
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stdout.contains("removed  interface kit / func peek"),
        "{out}"
    );
    assert!(out.stdout.contains("need version 0.2.0 or later"), "{out}");
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
    let composed = project.path().join("target/compose/dev/go-calls-rust.wasm");
    let mut cmd = compose();
    cmd.arg("inspect").arg(&composed);
    let out = run(&mut cmd).ok();
    assert!(out.stdout.contains(": component ("), "{out}");
    assert!(
        out.stdout.contains("\nexports:\n  wasi:cli/run@0.2."),
        "{out}"
    );
    let outside = out.stdout.split("components (").next().unwrap();
    assert!(
        !outside.contains("demo:text/textkit"),
        "linked inside, not imported or exported: {out}"
    );
    let inside = out
        .stdout
        .split("components (in the order they are instantiated):\n")
        .nth(1)
        .expect("nested components");
    // The Rust library, then the Go command (the root), by name, with the link between them.
    let named: Vec<&str> = inside
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .collect();
    // The library comes with its virtual WASI component (confining it), instantiated first.
    assert_eq!(named.len(), 3, "{out}");
    assert!(named[0].starts_with("  textkit.wasi  "), "{out}");
    assert!(named[1].starts_with("  textkit  rust  "), "{out}");
    assert!(named[2].starts_with("  app (root)  go  "), "{out}");
    assert!(
        inside
            .contains("    imports wasi:cli/environment@0.2.9 from textkit.wasi (virtual: denied)"),
        "{out}"
    );
    assert!(
        inside.contains("    imports demo:text/textkit@0.1.0 from textkit"),
        "{out}"
    );
    assert!(inside.contains("Go program and runtime"), "{out}");

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

/// Every stdout line of a `--message-format json` run, parsed.
fn json_lines(out: &Run) -> Vec<serde_json::Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{out}")))
        .collect()
}

fn of_type<'a>(docs: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    docs.iter().filter(|d| d["type"] == kind).collect()
}

#[test]
fn check_and_json_messages_describe_the_project() {
    let project = copy_example("go-calls-rust");
    let out = compose_in(project.path(), &["check"]).ok();
    assert!(
        out.stderr.contains("Checked app implements world `app` ("),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("WASI interfaces, which the host provides"),
        "{out}"
    );

    let docs = json_lines(&compose_in(project.path(), &["check", "--message-format", "json"]).ok());
    let checked = of_type(&docs, "component-checked");
    assert_eq!(checked.len(), 2, "{docs:?}");
    for c in &checked {
        assert!(c["declared_at"].as_str().unwrap().contains(".wit:"), "{c}");
        assert!(c["artifact"].as_str().unwrap().ends_with(".wasm"), "{c}");
    }
    assert_eq!(of_type(&docs, "check-finished")[0]["success"], true);

    let docs = json_lines(&compose_in(project.path(), &["build", "--message-format", "json"]).ok());
    let finished = of_type(&docs, "build-finished");
    assert_eq!(finished.len(), 1, "{docs:?}");
    let links: Vec<&serde_json::Value> = finished[0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["exporter"] != "textkit.wasi")
        .collect();
    assert_eq!(links.len(), 1, "{docs:?}");
    assert_eq!(links[0]["importer"], "app");
    assert_eq!(of_type(&docs, "component").len(), 2);

    let docs = json_lines(
        &compose_in(
            project.path(),
            &["wit", "check", "--message-format", "json"],
        )
        .ok(),
    );
    assert_eq!(of_type(&docs, "wit-checked").len(), 1, "{docs:?}");

    let case = repo().join("tests/wit-diff/04-function-removed-with-a-patch-bump");
    let mut cmd = compose();
    cmd.current_dir(&case)
        .args(["wit", "diff", "old", "new", "--message-format", "json"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(1), "{out}");
    let docs = json_lines(&out);
    assert_eq!(of_type(&docs, "wit-change")[0]["importers"], "breaking");
    let done = of_type(&docs, "wit-diff-finished")[0];
    assert_eq!(done["required_version"], "0.2.0");
    assert_eq!(done["success"], false);

    // Errors too: one document, with the code a script can match.
    edit(
        &project.path().join("compose.toml"),
        "[project]",
        "[project]\ncolour = 1",
    );
    let out = compose_in(project.path(), &["build", "--message-format", "json"]).fails();
    let docs = json_lines(&out);
    assert_eq!(docs.len(), 1, "{out}");
    assert_eq!(docs[0]["type"], "error");
    assert_eq!(docs[0]["code"], "compose::manifest");
    assert!(docs[0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown field `colour`"));
}
