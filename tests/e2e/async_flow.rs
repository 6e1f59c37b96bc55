//! The component model's async across a link (tests/fixtures/async-flow): a Rust app streams
//! bytes through a transformer in Rust, C and Python (async functions, `stream<u8>`, a
//! stream dropped half-way that stops both sides, a count), run through the binary; Go is
//! refused with what is missing.

use std::path::Path;

use crate::support::*;

/// Keeps the app and `transformer` in compose.toml.
fn keep(project: &Path, transformer: &str) {
    let path = project.join("compose.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let head = &text[..text.find("\n[compose]\n").unwrap()];
    let mut blocks = head.split("\n[components.");
    let mut out = blocks.next().unwrap().to_string();
    for block in blocks {
        let name = block.split(']').next().unwrap();
        if name == "app" || name == transformer {
            out.push_str("\n[components.");
            out.push_str(block);
        }
    }
    out.push_str("\n[compose]\nroot = \"app\"\n");
    std::fs::write(path, out).unwrap();
}

#[test]
fn streams_cross_a_link_to_a_transformer_in_rust_c_and_python() {
    let project = copy_fixture("async-flow");
    let dir = project.path();
    for transformer in ["tr-rust", "tr-c", "tr-py"] {
        keep(dir, transformer);
        let out = compose_in(dir, &["run", "--invoke", "run()"]).ok();
        assert_eq!(
            out.stdout,
            "[\"upper: STREAMS CROSS THE LINK\", \"cancelled: took ABCDABCDABCD, and the writer stopped (after the reader went)\", \"count: 10000\"]\n",
            "{transformer}\n{out}"
        );
        std::fs::write(
            dir.join("compose.toml"),
            std::fs::read_to_string(repo().join("tests/fixtures/async-flow/compose.toml")).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn a_go_component_of_an_async_world_is_refused_with_what_is_missing() {
    let project = copy_fixture("async-flow");
    let dir = project.path();
    keep(dir, "tr-go");
    compose_in(dir, &["build"]).fails().stderr_has(&[
        "component `tr-go`: function `demo:flow/transform@0.1.0#upper` is async, and compose cannot build the component model's async for it in go",
        "runtime.wasiOnIdle",
        "implement this world in Rust, C or Python",
    ]);
}

/// Test vectors give a stream as the list of its items (bytes also as a string) and check a
/// stream result the same way, against the transformer in each language that builds one
/// and against the composed result; a wrong expectation names the items that came.
#[test]
fn test_vectors_give_and_check_streams_in_rust_c_and_python() {
    let project = copy_fixture("async-flow");
    let dir = project.path();
    let manifest = dir.join("compose.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let head = &text[..text.find("\n[components.app]").unwrap()];
    let mut out = head.to_string();
    for (name, language) in [("tr-rust", "rust"), ("tr-c", "c"), ("tr-py", "python")] {
        out.push_str(&format!(
            "\n[components.{name}]\nlanguage = \"{language}\"\npath = \"{name}\"\nworld = \"transformer\"\n"
        ));
    }
    out.push_str("\n[compose]\nroot = \"tr-rust\"\n");
    std::fs::write(&manifest, out).unwrap();
    let passed = compose_in(dir, &["test"]).ok();
    for who in ["tr-rust", "tr-c", "tr-py", "composed"] {
        assert!(
            passed.stdout.contains(&format!(
                "ok      {who:<12} upper(\"streams cross the link\")"
            )),
            "{who}\n{passed}"
        );
    }
    assert!(passed.stdout.contains("20 passed, 0 failed"), "{passed}");

    let vectors = dir.join("tests/transform.toml");
    let mut cases = std::fs::read_to_string(&vectors).unwrap();
    cases.push_str("\n[[case]]\ncall = 'upper(\"abc\")'\nexpect = '\"abd\"'\n");
    std::fs::write(&vectors, cases).unwrap();
    let failed = compose_in(dir, &["test"]);
    assert_ne!(failed.code, Some(0), "{failed}");
    assert!(failed.stdout.contains("actual:   \"ABC\""), "{failed}");
    assert!(failed.stdout.contains("20 passed, 4 failed"), "{failed}");
}
