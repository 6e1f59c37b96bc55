//! `preinit = true`: a component's start-up runs once at build time and is snapshotted
//! (tests/fixtures/preinit: a C library whose constructor reads STAGE and counts itself).

use std::path::Path;

use crate::support::*;

/// Calls `call` on the project's result with STAGE=run granted; its WAVE result.
fn ask(project: &Path, call: &str) -> String {
    compose_in(project, &["run", "--env", "STAGE=run", "--invoke", call])
        .ok()
        .stdout
        .trim()
        .to_string()
}

#[test]
fn a_preinitialized_component_starts_where_its_start_up_ended() {
    let project = copy_fixture("preinit");
    let dir = project.path();
    // As built, start-up runs in every instance, and sees the run's environment.
    compose_in(dir, &["build"]).ok();
    assert_eq!(ask(dir, "stage-at-start-up()"), r#""run""#);
    assert_eq!(ask(dir, "start-ups()"), "1");
    let plain = std::fs::read(dir.join("target/compose/dev/components/probe/probe.wasm")).unwrap();

    // Pre-initialized, start-up ran once, at build time, with nothing granted: instances
    // begin after it (it does not run again, so it did not see STAGE), and state made
    // after start-up is each instance's own.
    edit(
        &dir.join("compose.toml"),
        "world = \"probe-lib\"\n",
        "world = \"probe-lib\"\npreinit = true\n",
    );
    let built = compose_in(dir, &["build"]).ok();
    assert!(built.stderr.contains("Preinit probe"), "{built}");
    // The constructor's getenv was seen, and the build says what it means.
    assert!(
        built.stderr.contains(
            "Note probe: its start-up read its environment variables: every instance sees the empty environment"
        ),
        "{built}"
    );
    assert_eq!(ask(dir, "stage-at-start-up()"), r#""(unset)""#);
    assert_eq!(ask(dir, "start-ups()"), "1");
    assert_eq!(ask(dir, "next()"), "1");
    assert_eq!(ask(dir, "next()"), "1");
    let snapshot =
        std::fs::read(dir.join("target/compose/dev/components/probe/probe.wasm")).unwrap();
    assert_ne!(plain, snapshot);

    // A second build reuses it; turning it off builds the plain component again.
    let again = compose_in(dir, &["build"]).ok();
    assert!(again.stderr.contains("Fresh probe"), "{again}");
    edit(&dir.join("compose.toml"), "preinit = true\n", "");
    compose_in(dir, &["build"]).ok();
    assert_eq!(ask(dir, "stage-at-start-up()"), r#""run""#);
}
