use crate::support::*;

#[test]
fn example_builds_runs_and_rebuilds_nothing_the_second_time() {
    let project = copy_example("rust-calls-go");
    let dir = project.path();

    let first = compose_in(dir, &["build"]).ok();
    assert!(first.stderr.contains("Building greeter (go)"), "{first}");
    assert!(first.stderr.contains("Building app (rust)"), "{first}");
    let output = dir.join("target/compose/dev/rust-calls-go.wasm");
    let bytes = std::fs::read(&output).unwrap();
    assert!(wasmparser_is_component(&bytes));
    let built_at = std::fs::metadata(&output).unwrap().modified().unwrap();

    // The build report names every component and the link between them.
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("target/compose/dev/rust-calls-go.build.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["components"].as_array().unwrap().len(), 2);
    assert_eq!(report["links"][0]["importer"], "app");
    assert_eq!(report["links"][0]["import"], "demo:greet/greeter@0.1.0");
    assert_eq!(report["links"][0]["exporter"], "greeter");
    assert_eq!(report["links"][0]["class"], "interface");
    assert!(report["imports"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i.as_str().unwrap().starts_with("wasi:")));

    // Nothing changed: nothing is rebuilt and the output is not rewritten.
    let second = compose_in(dir, &["build"]).ok();
    assert!(
        second.stderr.contains("Fresh app") && second.stderr.contains("Fresh greeter"),
        "{second}"
    );
    assert!(
        !second.stderr.contains("Building") && !second.stderr.contains("Linking"),
        "{second}"
    );
    assert_eq!(
        std::fs::metadata(&output).unwrap().modified().unwrap(),
        built_at
    );

    // A change to the Go sources rebuilds the Go component only, then relinks.
    edit(
        &dir.join("greeter/export_demo_greet_greeter/greeter.go"),
        "Greetings from Go",
        "Greetings again from Go",
    );
    let third = compose_in(dir, &["build"]).ok();
    assert!(
        third.stderr.contains("Building greeter (go)") && third.stderr.contains("Fresh app"),
        "{third}"
    );
    assert!(third.stderr.contains("Linking"), "{third}");
    let out = compose_in(dir, &["run", "--", "Ada"]).ok();
    assert!(
        out.stdout
            .contains("Hello, Ada! Greetings again from Go, via Rust and Go."),
        "{out}"
    );

    // The Go part alone is a library: running it as a command is refused, with the reason.
    let mut cmd = compose();
    cmd.arg("run")
        .arg(dir.join("target/compose/dev/components/greeter/greeter.wasm"));
    run(&mut cmd)
        .fails()
        .stderr_has(&["does not export `wasi:cli/run`", "cannot run as a command"]);
}

#[test]
fn two_exporters_are_ambiguous_until_the_manifest_wires_one() {
    let project = copy_example("rust-calls-go");
    let manifest = project.path().join("compose.toml");
    edit(
        &manifest,
        "[components.app]",
        "[components.greeter2]\nlanguage = \"go\"\npath = \"greeter\"\nworld = \"greeter-lib\"\n\n[components.app]",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `app` imports `demo:greet/greeter@0.1.0`, which several components export: greeter, greeter2",
        "`[compose.wire]` with `\"demo:greet/greeter@0.1.0\" = \"<component>\"`",
        "`[compose.wire.app]`",
    ]);
    edit(
        &manifest,
        "root = \"app\"",
        "root = \"app\"\nwire = { \"demo:greet/greeter@0.1.0\" = \"greeter2\" }",
    );
    let out = compose_in(project.path(), &["run", "--", "Lin"]).ok();
    assert!(out.stdout.contains("Hello, Lin!"), "{out}");
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            project
                .path()
                .join("target/compose/dev/rust-calls-go.build.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(report["links"][0]["exporter"], "greeter2");
}

fn wasmparser_is_component(bytes: &[u8]) -> bool {
    // Component binaries: magic, then version 0x0d and layer 0x01.
    bytes.len() > 8 && &bytes[0..4] == b"\0asm" && bytes[4..8] == [0x0d, 0x00, 0x01, 0x00]
}
