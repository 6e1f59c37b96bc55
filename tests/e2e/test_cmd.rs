//! `compose test`: test vectors against every implementation, and the differential mode.

use crate::support::*;

#[test]
fn vectors_run_against_every_implementation_and_the_composed_result() {
    let project = copy_fixture("calc");
    let junit = project.path().join("report.xml");
    let out = compose_in(
        project.path(),
        &["test", "--junit", junit.to_str().unwrap()],
    )
    .ok();
    // 5 calc cases × (Rust, Go, C, Python) + 2 pricing cases × (pricing, composed result).
    assert!(out.stdout.contains("24 passed, 0 failed"), "{out}");
    for line in [
        "ok      calc-go      add(2147483647, 1)",
        "ok      calc-rust    sum([])",
        "ok      calc-c       shout(\"hello, world\")",
        "ok      calc-py      sum([1, 2, 3, -10])",
        "ok      composed     gross(100)",
    ] {
        assert!(out.stdout.contains(line), "missing {line:?}\n{out}");
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"compose test\" tests=\"24\" failures=\"0\">"),
        "{xml}"
    );

    // A wrong expectation fails, says where, and shows both values.
    edit(
        &project.path().join("tests/calc.toml"),
        "expect = \"3\"",
        "expect = \"4\"",
    );
    let out = compose_in(
        project.path(),
        &["test", "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stdout.contains("FAILED  calc-rust    add(1, 2)"),
        "{out}"
    );
    assert!(
        out.stdout.contains("expected: 4") && out.stdout.contains("actual:   3"),
        "{out}"
    );
    assert!(
        out.stdout.contains("FAILED  calc-py      add(1, 2)"),
        "{out}"
    );
    assert!(out.stdout.contains("20 passed, 4 failed"), "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("failures=\"4\"") && xml.contains("<failure message=\"expected 4, got 3\"/>"),
        "{xml}"
    );

    // Machine-readable: one JSON document per line.
    let out = compose_in(project.path(), &["test", "--message-format", "json"]);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 25, "{out}");
    let failed: Vec<&serde_json::Value> = lines.iter().filter(|v| v["passed"] == false).collect();
    assert_eq!(failed.len(), 4);
    assert_eq!(failed[0]["expected"], "4");
    assert_eq!(failed[0]["actual"], "3");
    assert_eq!(
        lines[24],
        serde_json::json!({"type": "summary", "passed": 20, "failed": 4})
    );
}

#[test]
fn differential_mode_finds_the_planted_disagreement_then_passes_when_fixed() {
    let project = copy_fixture("calc");
    // Go upper-cases every letter; Rust, C and Python only ASCII ones: they differ on
    // non-ASCII text.
    let first = compose_in(project.path(), &["test", "--differential", "--seed", "7"]);
    assert_eq!(first.code, Some(1), "{first}");
    assert!(
        first
            .stdout
            .contains("DISAGREE demo:calc/calc@0.1.0#shout(\""),
        "{first}"
    );
    assert!(
        first
            .stdout
            .contains("agree on 200 random inputs (calc-c, calc-go, calc-py, calc-rust)"),
        "{first}"
    );
    // The odd one out is named, with its answer.
    assert!(first.stdout.contains("calc-go      -> \"É\""), "{first}");
    assert!(first.stdout.contains("calc-py      -> \"é\""), "{first}");
    assert!(first.stdout.contains("2 passed, 1 failed"), "{first}");
    // Shrunk: a one-character string.
    let call = first
        .stdout
        .lines()
        .find(|l| l.starts_with("DISAGREE"))
        .unwrap();
    let arg = call.split("shout(").nth(1).unwrap().trim_end_matches(')');
    assert_eq!(
        arg.trim_matches('"').chars().count(),
        1,
        "not shrunk: {call}"
    );
    // Seeded: the same seed finds the same case.
    let again = compose_in(project.path(), &["test", "--differential", "--seed", "7"]);
    let report = |r: &Run| {
        r.stdout
            .lines()
            .filter(|l| !l.contains("Fresh"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(report(&first), report(&again));
    // The Go implementation as it is now, kept as a file from outside the project.
    let outside = tempfile::tempdir().unwrap();
    let old_go = outside.path().join("old-go.wasm");
    std::fs::copy(
        project
            .path()
            .join("target/compose/dev/components/calc-go/calc-go.wasm"),
        &old_go,
    )
    .unwrap();

    edit(
        &project.path().join("calc-go/export_demo_calc_calc/calc.go"),
        "return strings.ToUpper(text)",
        "return strings.Map(func(r rune) rune {\n\t\tif r >= 'a' && r <= 'z' {\n\t\t\treturn r - 32\n\t\t}\n\t\treturn r\n\t}, text)",
    );
    let fixed = compose_in(project.path(), &["test", "--differential", "--seed", "7"]).ok();
    assert!(fixed.stdout.contains("3 passed, 0 failed"), "{fixed}");

    // `--plug`: the old Go file, now the odd one out against the fixed project.
    let old = old_go.to_str().unwrap();
    let plugged = compose_in(
        project.path(),
        &["test", "--differential", "--seed", "7", "--plug", old],
    );
    assert_eq!(plugged.code, Some(1), "{plugged}");
    assert!(
        plugged.stdout.contains("old-go.wasm  -> \"É\""),
        "{plugged}"
    );
    assert!(
        plugged.stdout.contains("calc-go      -> \"é\""),
        "{plugged}"
    );
    // And the project's test files run against it too, beside every implementation.
    let vectors = compose_in(project.path(), &["test", "--plug", old]).ok();
    let plugged_cases = vectors
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok      old-go.wasm"))
        .count();
    let go_cases = vectors
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok      calc-go "))
        .count();
    assert!(plugged_cases > 0 && plugged_cases == go_cases, "{vectors}");
}

#[test]
fn a_test_file_for_an_interface_nobody_exports_is_an_error() {
    let project = copy_fixture("calc");
    std::fs::write(
        project.path().join("tests/ghost.toml"),
        "interface = \"demo:calc/ghost\"\n[[case]]\ncall = \"boo()\"\n",
    )
    .unwrap();
    compose_in(project.path(), &["test"]).fails().stderr_has(&[
        "ghost.toml",
        "no component of the project exports `demo:calc/ghost`",
    ]);
}
