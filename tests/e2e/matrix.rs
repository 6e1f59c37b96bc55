//! The cross-language matrix: a checker in each of Rust, Go, C and Python against an
//! implementation in each of them, 16 compositions of one interface that uses every kind of
//! WIT type (tests/fixtures/matrix).

use std::path::Path;

use crate::support::*;

const LANGUAGES: [&str; 4] = ["rust", "go", "c", "py"];

/// Points the project's composition at `check-<checker>` wired to `kit-<kit>`.
fn choose_pair(project: &Path, checker: &str, kit: &str) {
    let path = project.join("compose.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let head = &text[..text.find("\n[compose]\n").expect("a [compose] table")];
    let tail = format!(
        "\n[compose]\nroot = \"check-{checker}\"\nwire = {{ \"matrix:kit/kit@0.1.0\" = \"kit-{kit}\" }}\n"
    );
    std::fs::write(&path, format!("{head}{tail}")).unwrap();
}

/// Composes and runs one pair; what went wrong, naming the pair and the checker's first
/// `FAIL` line (the call), or else how the run ended.
fn run_pair(project: &Path, checker: &str, kit: &str, expected: &str) -> Option<String> {
    choose_pair(project, checker, kit);
    let out = compose_in(project, &["run"]);
    if out.code == Some(0) && out.stdout == expected {
        return None;
    }
    let what = match out.stdout.lines().find(|l| l.starts_with("FAIL")) {
        Some(line) => line.to_string(),
        None => format!("unexpected output\n{out}"),
    };
    Some(format!("checker {checker} × implementation {kit}: {what}"))
}

#[test]
fn every_language_calls_every_language() {
    let project = copy_fixture("matrix");
    let expected =
        std::fs::read_to_string(repo().join("tests/fixtures/matrix/expected-output.txt")).unwrap();
    // Every component is built once; each pair below only links and runs.
    compose_in(project.path(), &["build"]).ok();

    let mut failures = Vec::new();
    for checker in LANGUAGES {
        for kit in LANGUAGES {
            failures.extend(run_pair(project.path(), checker, kit, &expected));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every implementation ran confined (the default for a component that is not the root):
    // its environment and directories came from its virtual WASI, denied.
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(project.path().join("target/compose/dev/matrix.build.json")).unwrap(),
    )
    .unwrap();
    let kit = report["confinements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["component"] == "kit-py")
        .unwrap_or_else(|| panic!("kit-py is confined: {report}"));
    assert_eq!(kit["virtual_component"], "kit-py.wasi");
    for denied in [
        "wasi:cli/environment",
        "wasi:filesystem/preopens",
        "wasi:cli/stdin",
    ] {
        assert!(
            kit["interfaces"].as_array().unwrap().iter().any(|i| i[0]
                .as_str()
                .unwrap()
                .starts_with(denied)
                && i[1] == "denied"),
            "{denied}: {kit}"
        );
    }

    // Every pair again with the Rust, Go and C components pre-initialized (Python
    // components are, by componentize-py). Go's start-up reads its arguments and
    // environment, and the build says that every instance sees them empty.
    let manifest = project.path().join("compose.toml");
    let preinit = |name: &str| {
        edit(
            &manifest,
            &format!("path = \"{name}\"\n"),
            &format!("path = \"{name}\"\npreinit = true\n"),
        )
    };
    for name in [
        "kit-rust",
        "kit-go",
        "kit-c",
        "check-rust",
        "check-go",
        "check-c",
    ] {
        preinit(name);
    }
    let built = compose_in(project.path(), &["build"]).ok();
    assert_eq!(built.stderr.matches("Preinit").count(), 6, "{built}");
    for go in ["kit-go", "check-go"] {
        assert!(
            built.stderr.contains(&format!(
                "{go}: its start-up read its environment variables"
            )),
            "{built}"
        );
    }
    for checker in LANGUAGES {
        for kit in LANGUAGES {
            failures.extend(
                run_pair(project.path(), checker, kit, &expected)
                    .map(|f| format!("pre-initialized: {f}")),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A wrong answer is caught and named: which pair, which call.
    edit(
        &project.path().join("kit-c/lib.c"),
        "*ret = a / b;",
        "*ret = a / b + 1;",
    );
    let failure = run_pair(project.path(), "go", "c", &expected).expect("a failure");
    assert!(
        failure.starts_with("checker go × implementation c: FAIL divide(7, 2): got ")
            && failure.contains("value:4"),
        "{failure}"
    );
}

#[test]
fn a_parallel_build_gives_the_same_components_as_one_at_a_time() {
    // One folder, built twice (debug information holds paths): in parallel, then, from
    // scratch, one component at a time.
    let project = copy_fixture("matrix");
    // Its own cargo target folder: the other matrix test builds the same crates from another
    // folder, and would replace the artifacts between the two builds.
    std::fs::write(
        project.path().join(".e2e-source"),
        "fixture-matrix-parallel",
    )
    .unwrap();
    let components = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let root = dir.join("target/compose/dev/components");
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let bytes = std::fs::read(root.join(&n).join(format!("{n}.wasm"))).unwrap();
                (n, bytes)
            })
            .collect()
    };
    compose_in(project.path(), &["build", "-j", "4"]).ok();
    let parallel = components(project.path());
    std::fs::remove_dir_all(project.path().join("target/compose")).unwrap();
    let out = compose_in(project.path(), &["build", "-j", "1"]).ok();
    assert!(!out.stderr.contains("Fresh"), "{out}");
    let serial = components(project.path());
    assert_eq!(parallel.len(), 8);
    for ((name, x), (_, y)) in parallel.iter().zip(&serial) {
        // componentize-py's output differs from run to run even when built alone (it
        // snapshots CPython's heap); every other toolchain's is reproducible.
        if name.ends_with("-py") {
            continue;
        }
        assert!(x == y, "{name} differs between -j 4 and -j 1");
    }
}
