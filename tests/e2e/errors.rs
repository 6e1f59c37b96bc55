//! Broken inputs: each is a clean failure (exit 2, no panic) that names the cause and the fix.

use crate::support::*;

#[test]
fn unknown_language_names_the_manifest_line() {
    let project = copy_example("rust-calls-go");
    edit(
        &project.path().join("compose.toml"),
        "language = \"go\"",
        "language = \"cobol\"",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "compose.toml:9:",
        "unknown language `cobol`",
        "rust, go, c, python, wasm",
    ]);
}

#[test]
fn unknown_world_names_the_line_and_the_worlds_there_are() {
    let project = copy_example("rust-calls-go");
    edit(
        &project.path().join("compose.toml"),
        "world = \"greeter-lib\"",
        "world = \"greeter-library\"",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "compose.toml:11:",
        "world `greeter-library` is not defined",
        "app, greeter-lib",
    ]);
}

#[test]
fn unknown_manifest_key_is_refused() {
    let project = copy_example("rust-calls-go");
    edit(
        &project.path().join("compose.toml"),
        "[compose]\n",
        "[compose]\nroots = \"app\"\n",
    );
    compose_in(project.path(), &["build"])
        .fails()
        .stderr_has(&["unknown field `roots`", "compose.toml:19:"]);
}

#[test]
fn malformed_wit_names_file_and_line() {
    let project = copy_example("rust-calls-go");
    edit(
        &project.path().join("wit/greet.wit"),
        "greet: func(who: person) -> greeting;",
        "greet: func(who: person) -> ;",
    );
    compose_in(project.path(), &["build"])
        .fails()
        .stderr_has(&["greet.wit:18:33: expected a type, found ';'"]);
}

#[test]
fn go_component_missing_an_export_says_which_function() {
    let project = copy_example("rust-calls-go");
    let go = project
        .path()
        .join("greeter/export_demo_greet_greeter/greeter.go");
    edit(&go, "// Echo returns its argument unchanged.\nfunc Echo(text string) string {\n\treturn text\n}\n", "");
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `greeter`",
        "Echo",
        "export_demo_greet_greeter",
    ]);
    assert!(!project
        .path()
        .join("target/compose/dev/rust-calls-go.wasm")
        .exists());
}

#[test]
fn component_declared_with_the_wrong_world_is_refused() {
    let project = copy_example("rust-calls-go");
    // The Rust app imports the greeter but is declared as the library, which must export it.
    edit(
        &project.path().join("compose.toml"),
        "path = \"app\"\nworld = \"app\"",
        "path = \"app\"\nworld = \"greeter-lib\"",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `app` does not match its world `greeter-lib`",
        "the world exports `demo:greet/greeter@0.1.0`, the component does not",
    ]);
}

#[test]
fn missing_go_toolchain_says_how_to_install_it() {
    let project = copy_example("rust-calls-go");
    // Built once with every toolchain; the Rust part stays fresh below.
    compose_in(project.path(), &["build"]).ok();
    edit(
        &project
            .path()
            .join("greeter/export_demo_greet_greeter/greeter.go"),
        "Greetings from Go",
        "Greetings again from Go",
    );
    let empty_home = tempfile::tempdir().unwrap();
    // Only cargo's folder on PATH: no Go anywhere, and a compose home without a venv.
    let cargo = which_dir("cargo");
    let mut cmd = compose();
    cmd.env("PATH", cargo)
        .env("COMPOSE_HOME", empty_home.path())
        .env("CARGO_TARGET_DIR", guest_target(project.path()))
        .args(["build", "--manifest-path"])
        .arg(project.path().join("compose.toml"));
    run(&mut cmd).fails().stderr_has(&[
        "Fresh app",
        "component `greeter`",
        "Go toolchain (`go`) not found",
        "compose doctor --install",
    ]);
}

#[test]
fn an_import_nobody_exports_is_refused_and_nothing_is_written() {
    let project = copy_example("rust-calls-go");
    edit(
        &project.path().join("compose.toml"),
        "[components.greeter]\nlanguage = \"go\"\npath = \"greeter\"\nworld = \"greeter-lib\"\n",
        "",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `app` imports interface `demo:greet/greeter@0.1.0`, but no component exports it",
        "host-imports",
    ]);
    assert!(!project
        .path()
        .join("target/compose/dev/rust-calls-go.wasm")
        .exists());
}

#[test]
fn an_old_go_on_path_does_not_hide_composes_own() {
    // A fake Go 1.20 first on PATH.
    let fake = tempfile::tempdir().unwrap();
    let go = fake.path().join("go");
    std::fs::write(&go, "#!/bin/sh\necho go version go1.20.1 linux/amd64\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths([fake.path().to_path_buf(), which_dir("cargo")]).unwrap();

    // With compose's own Go installed (the suite's setup does that), it is used.
    let mut cmd = compose();
    cmd.env("PATH", &path).arg("doctor");
    let out = run(&mut cmd).ok();
    assert!(out.stdout.contains("ok       go"), "{out}");
    assert!(!out.stdout.contains("go1.20"), "{out}");

    // Without it, the old one is named as too old, with the fix.
    let empty_home = tempfile::tempdir().unwrap();
    let mut cmd = compose();
    cmd.env("PATH", &path)
        .env("COMPOSE_HOME", empty_home.path())
        .arg("doctor");
    let out = run(&mut cmd).fails();
    assert!(
        out.stdout
            .contains("is not Go >= 1.25 (go version go1.20.1 linux/amd64)"),
        "{out}"
    );
    assert!(
        out.stdout.contains("fix: compose doctor --install"),
        "{out}"
    );
}

#[test]
fn no_manifest_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = compose();
    cmd.current_dir(tmp.path()).arg("build");
    run(&mut cmd)
        .fails()
        .stderr_has(&["could not find `compose.toml`", "compose new"]);
}

fn which_dir(tool: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .find(|d| d.join(tool).is_file())
        .unwrap_or_else(|| panic!("{tool} is not on PATH"))
}

#[test]
fn a_c_compile_error_shows_the_compilers_message_and_the_file() {
    let project = copy_fixture("calc");
    edit(
        &project.path().join("calc-c/calc.c"),
        "return wrap_add32(a, b);",
        "return wrap_add32(a, b)",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `calc-c`",
        "calc.c:",
        "error: expected ';'",
    ]);
    assert!(!project.path().join("target/compose/dev/calc.wasm").exists());
}

#[test]
fn a_c_component_missing_an_export_shows_the_declaration_to_write() {
    let project = copy_fixture("calc");
    std::fs::remove_file(project.path().join("calc-c/sum.c")).unwrap();
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `calc-c`: the world exports `exports_demo_calc_calc_sum`",
        "void exports_demo_calc_calc_sum(calc_lib_list_s64_t *values, exports_demo_calc_calc_stats_t *ret) { ... }",
    ]);
}

#[test]
fn a_python_import_error_names_the_component_and_the_module() {
    let project = copy_fixture("calc");
    edit(
        &project.path().join("calc-py/app.py"),
        "from wit_world import exports",
        "import no_such_module\nfrom wit_world import exports",
    );
    compose_in(project.path(), &["build"]).fails().stderr_has(&[
        "component `calc-py`: componentize-py failed",
        "No module named 'no_such_module'",
        "app.py",
    ]);
    assert!(!project.path().join("target/compose/dev/calc.wasm").exists());
}
