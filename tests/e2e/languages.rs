//! Every language on both sides of a link, through the examples and fixtures.

use crate::support::*;

#[test]
fn a_go_command_calls_a_rust_library() {
    let project = copy_example("go-calls-rust");
    let out = compose_in(
        project.path(),
        &["run", "--", "components", "are", "composable"],
    )
    .ok();
    assert!(
        out.stdout.contains("3 words, 1 lines, 25 characters"),
        "{out}"
    );
    assert!(out.stdout.contains("Components Are Composable"), "{out}");
    assert!(
        out.stdout
            .contains("longest words (from Rust, printed by Go): components, composable, are"),
        "{out}"
    );
}

#[test]
fn a_python_app_uses_a_c_codec() {
    let project = copy_example("python-uses-c");
    let out = compose_in(
        project.path(),
        &[
            "run",
            "--invoke",
            r#"summarize("aaaaaaaabbbbbbbbbbbbcccccccccccccccc")"#,
        ],
    )
    .ok();
    assert_eq!(
        out.stdout.trim(),
        r#""36 bytes -> 6 bytes with the C codec (0.17), round trip ok""#
    );
    // The build compiled the result into the cache: the run itself compiles nothing.
    assert!(
        !out.stderr.contains("once; the compiled code is cached"),
        "{out}"
    );
    // The example's own test vectors: the C codec alone, the Python app alone with the codec
    // stubbed, and the two composed.
    let out = compose_in(project.path(), &["test"]).ok();
    assert!(
        out.stdout.contains("ok      codec        decode([3])"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("ok      app          summarize(\"xxxx\")"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("ok      composed     summarize(\"xxxx\")"),
        "{out}"
    );
    assert!(out.stdout.contains("5 passed, 0 failed"), "{out}");

    // An 18 MB Python component is compiled once: the second run takes it from the cache.
    let home = tempfile::tempdir().unwrap();
    let composed = project.path().join("target/compose/dev/python-uses-c.wasm");
    let run_it = || {
        let mut cmd = compose();
        cmd.env("COMPOSE_HOME", home.path())
            .arg("run")
            .arg(&composed)
            .args(["--invoke", r#"summarize("zzz")"#]);
        run(&mut cmd).ok()
    };
    let first = run_it();
    assert!(first.stderr.contains("Compiling"), "{first}");
    let second = run_it();
    assert!(!second.stderr.contains("Compiling"), "{second}");
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn a_c_command_calls_a_rust_library_and_a_failing_main_fails_the_run() {
    let fixture = repo().join("tests/fixtures/c-command");
    let out = compose_in(&fixture, &["run", "--", "wasm components in c"]).ok();
    assert!(out.stdout.contains("4 words, 20 characters"), "{out}");
    assert!(out.stdout.contains("Wasm Components In C"), "{out}");
    // `main` returns 3 here; WASI 0.2's `exit` carries only success or failure, so a failing
    // command exits with 1.
    let out = compose_in(&fixture, &["run", "--", ""]);
    assert!(out.stdout.contains("0 words"), "{out}");
    assert_eq!(out.code, Some(1), "{out}");
    // A C program's stack is 1 MiB with either compiler (zig's own default is 16 MiB,
    // wasm-ld's 64 KiB): half of it is there, twice it overflows.
    let out = compose_in(&fixture, &["run", "--", "--deep", "512"]).ok();
    assert!(out.stdout.contains("512 KiB of stack"), "{out}");
    let out = compose_in(&fixture, &["run", "--", "--deep", "2048"]);
    assert_ne!(out.code, Some(0), "{out}");
    assert!(!out.stdout.contains("KiB of stack"), "{out}");
}

#[test]
fn compose_new_gives_a_project_that_builds_and_runs_in_every_language() {
    let parent = tempfile::tempdir().unwrap();
    for (lang, from) in [
        ("rust", "Rust"),
        ("go", "Go"),
        ("c", "C"),
        ("python", "Python"),
    ] {
        let name = format!("hello-{lang}");
        let mut cmd = compose();
        cmd.args(["new", &name, "--lang", lang, "--path"])
            .arg(parent.path());
        let created = run(&mut cmd).ok();
        assert!(created.stderr.contains("Created"), "{created}");
        let dir = parent.path().join(&name);
        compose_in(&dir, &["build"]).ok();
        let out = compose_in(&dir, &["run", "--", "Ada"]).ok();
        assert!(
            out.stdout
                .contains(&format!("Hello, Ada, from a {from} component!")),
            "{lang}: {out}"
        );
    }
    // Never over an existing project.
    let mut cmd = compose();
    cmd.args(["new", "hello-rust", "--lang", "go", "--path"])
        .arg(parent.path());
    run(&mut cmd)
        .fails()
        .stderr_has(&["already exists and is not empty"]);
    let mut cmd = compose();
    cmd.args(["new", "Bad_Name", "--lang", "go", "--path"])
        .arg(parent.path());
    run(&mut cmd).fails().stderr_has(&["e.g. `bad-name`"]);
}

#[test]
fn compose_add_starts_a_component_in_every_language_with_every_export_stubbed() {
    let parent = tempfile::tempdir().unwrap();
    let mut cmd = compose();
    cmd.args(["new", "demo", "--lang", "rust", "--path"])
        .arg(parent.path());
    run(&mut cmd).ok();
    let dir = parent.path().join("demo");
    for lang in ["go", "c", "python", "rust"] {
        let name = format!("g-{lang}");
        let out = compose_in(
            &dir,
            &["add", &name, "--lang", lang, "--world", "greeter-lib"],
        )
        .ok();
        assert!(
            out.stderr
                .contains(&format!("Added {name} ({lang}, world greeter-lib)")),
            "{out}"
        );
    }
    // Five components now export the greeter: every stub builds, then the link asks to choose.
    let out = compose_in(&dir, &["build"]).fails();
    for lang in ["go", "c", "python", "rust"] {
        assert!(
            out.stderr.contains(&format!("Built g-{lang}")),
            "{lang}: {out}"
        );
    }
    assert!(
        out.stderr
            .contains("several components export: g-c, g-go, g-python, g-rust, greeter"),
        "{out}"
    );
    edit(
        &dir.join("compose.toml"),
        "root = \"app\"",
        "root = \"app\"\nwire = { \"local:demo/greeter\" = \"greeter\" }",
    );
    let out = compose_in(&dir, &["run", "--", "Ada"]).ok();
    assert!(
        out.stdout.contains("Hello, Ada, from a Rust component!"),
        "{out}"
    );
    // A stub traps until it is written.
    for lang in ["go", "c", "python", "rust"] {
        let wasm = dir.join(format!(
            "target/compose/dev/components/g-{lang}/g-{lang}.wasm"
        ));
        let mut cmd = compose();
        cmd.arg("run").arg(&wasm).args(["--invoke", "greet(\"x\")"]);
        let out = run(&mut cmd);
        assert_eq!(out.code, Some(120), "{lang}: {out}");
    }

    // A new world, added to the WIT on request; an unknown one is refused; names are unique.
    compose_in(
        &dir,
        &[
            "add",
            "tool",
            "--lang",
            "c",
            "--world",
            "tool",
            "--new-world",
        ],
    )
    .ok();
    assert!(std::fs::read_to_string(dir.join("wit/world.wit"))
        .unwrap()
        .contains("world tool {"));
    assert!(dir.join("tool/main.c").is_file());
    compose_in(&dir, &["add", "other", "--lang", "go", "--world", "nope"])
        .fails()
        .stderr_has(&["world `nope` is not defined", "--new-world"]);
    compose_in(&dir, &["add", "tool", "--lang", "go", "--world", "app"])
        .fails()
        .stderr_has(&["already has a component `tool`"]);
    assert!(!dir.join("other").exists());
}

#[test]
fn compose_add_starts_a_component_for_every_kind_of_type_in_every_language() {
    // A project with only WIT: the matrix's interface, with records, variants, flags, a
    // resource, and a world that names WASI.
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    std::fs::create_dir_all(project.join("wit")).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/matrix/wit/kit.wit"),
        project.join("wit/kit.wit"),
    )
    .unwrap();
    std::fs::write(
        project.join("compose.toml"),
        "[project]\nname = \"stubs\"\n",
    )
    .unwrap();
    compose_in(project, &["build"])
        .fails()
        .stderr_has(&["compose.toml declares no component", "compose add"]);

    for lang in ["rust", "go", "c", "python"] {
        let name = format!("kit-{lang}");
        compose_in(
            project,
            &["add", &name, "--lang", lang, "--world", "kit-lib"],
        )
        .ok();
    }
    // The first component became the root when the second came.
    let manifest = std::fs::read_to_string(project.join("compose.toml")).unwrap();
    assert!(
        manifest.contains("[compose]\nroot = \"kit-rust\""),
        "{manifest}"
    );
    assert!(project.join("kit-python/kit.py").is_file());
    assert!(project
        .join("kit-go/export_matrix_kit_kit/kit.go")
        .is_file());
    assert!(project.join("kit-c/lib.c").is_file());

    // Every stub builds as it is; calling one traps.
    let out = compose_in(project, &["build"]).ok();
    for lang in ["rust", "go", "c", "python"] {
        assert!(out.stderr.contains(&format!("Built kit-{lang}")), "{out}");
    }
    let out = compose_in(project, &["run", "--invoke", "mix(1, 2, 3, 4.0)"]);
    assert_eq!(out.code, Some(120), "a trap\n{out}");
    assert!(out.stderr.contains("trapped"), "{out}");
}
