//! A hostile project cannot make compose write or delete outside the project's
//! target/compose and compose's home: not through names, not through symbolic links.

use std::path::Path;

use crate::support::*;

/// A project of two prebuilt components (the broken corpus's greeter and app).
fn prebuilt_project(dir: &Path, name: &str, component: &str) {
    let components = repo().join("tests/broken/_components");
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::copy(
        repo().join("tests/broken/component-09-ambiguous-providers/wit/greet.wit"),
        dir.join("wit/greet.wit"),
    )
    .unwrap();
    for f in ["greeter.wasm", "app.wasm"] {
        std::fs::copy(components.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("compose.toml"),
        format!(
            "[project]\nname = \"{name}\"\n\n[components.{component}]\nlanguage = \"wasm\"\npath = \"greeter.wasm\"\nworld = \"greeter-lib\"\n\n[components.app]\nlanguage = \"wasm\"\npath = \"app.wasm\"\nworld = \"app\"\n\n[compose]\nroot = \"app\"\n"
        ),
    )
    .unwrap();
}

fn build(dir: &Path) -> Run {
    let mut cmd = compose();
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(dir.join("compose.toml"));
    run(&mut cmd)
}

#[test]
fn names_that_would_leave_the_project_are_refused_at_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("p");
    let victim = tmp.path().join("victim");
    std::fs::create_dir_all(victim.join("work")).unwrap();
    std::fs::write(victim.join("work/keep.txt"), "mine").unwrap();

    prebuilt_project(&project, "../../victim/x", "greeter");
    build(&project)
        .fails()
        .stderr_has(&["compose.toml:2:", "cannot name a project"]);
    prebuilt_project(&project, "p", "\"../../victim\"");
    build(&project)
        .fails()
        .stderr_has(&["compose.toml:4:", "cannot name a component"]);
    assert!(victim.join("work/keep.txt").exists());
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 1);

    // `compose new` and `compose add` follow the same rule.
    let mut cmd = compose();
    cmd.args(["new", "../escape", "--lang", "c", "--path"])
        .arg(tmp.path());
    run(&mut cmd).fails().stderr_has(&["cannot name"]);
    prebuilt_project(&project, "p", "greeter");
    let mut cmd = compose();
    cmd.args([
        "add",
        "../../victim",
        "--lang",
        "c",
        "--world",
        "app",
        "--manifest-path",
    ])
    .arg(project.join("compose.toml"));
    run(&mut cmd).fails().stderr_has(&["cannot name"]);
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn symbolic_links_under_target_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("p");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("dev/components/greeter/work")).unwrap();
    std::fs::write(
        elsewhere.join("dev/components/greeter/work/keep.txt"),
        "mine",
    )
    .unwrap();
    prebuilt_project(&project, "p", "greeter");

    // A link committed as target/compose.
    std::fs::create_dir_all(project.join("target")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, project.join("target/compose")).unwrap();
    build(&project)
        .fails()
        .stderr_has(&["is a symbolic link", "never through a link"]);
    assert!(elsewhere
        .join("dev/components/greeter/work/keep.txt")
        .exists());
    assert!(!elsewhere.join("dev/p.wasm").exists());

    // A link deeper down: a component's folder.
    std::fs::remove_file(project.join("target/compose")).unwrap();
    std::fs::create_dir_all(project.join("target/compose/dev/components")).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.join("dev/components/greeter"),
        project.join("target/compose/dev/components/greeter"),
    )
    .unwrap();
    build(&project).fails().stderr_has(&["is a symbolic link"]);
    assert!(elsewhere
        .join("dev/components/greeter/work/keep.txt")
        .exists());

    // Without links it builds.
    std::fs::remove_file(project.join("target/compose/dev/components/greeter")).unwrap();
    build(&project).ok();
}
