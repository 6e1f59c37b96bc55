use crate::support::*;

#[test]
fn example_prints_the_greeting_computed_in_go() {
    let project = copy_example("rust-calls-go");
    let out = compose_in(project.path(), &["run", "--", "Grace"]).ok();
    assert!(
        out.stdout
            .contains("Hello, Grace! Greetings from Go, via Rust and Go."),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("(5 letters; tags: go, wasip1, component)"),
        "{out}"
    );
}

#[test]
fn nothing_is_granted_unless_asked() {
    let project = copy_example("rust-calls-go");
    let out = compose_in(project.path(), &["run", "--explain"]).ok();
    assert!(out.stdout.contains("granted nothing"), "{out}");
    assert!(
        out.stdout
            .contains("limits: memory up to 4GiB per linear memory; no timeout"),
        "{out}"
    );
    // Explaining builds nothing: it says what a run would be.
    assert!(!project.path().join("target/compose/dev").exists(), "{out}");
    let out = compose_in(
        project.path(),
        &[
            "run",
            "--explain",
            "--env",
            "GREETING=hi",
            "--dir",
            ".::/data:rw",
            "--",
            "x",
        ],
    )
    .ok();
    assert!(out.stdout.contains("env GREETING"), "{out}");
    assert!(out.stdout.contains("as /data (read-write)"), "{out}");
    assert!(out.stdout.contains("args x"), "{out}");
}

#[test]
fn corrupted_or_foreign_files_are_refused_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 3] = [
        (
            "random.wasm",
            b"this is not wasm at all",
            "could not be compiled",
        ),
        (
            "truncated.wasm",
            b"\0asm\x0d\x00\x01\x00\x07\x30",
            "could not be compiled",
        ),
        (
            "core.wasm",
            b"\0asm\x01\x00\x00\x00",
            "could not be compiled",
        ),
    ];
    for (name, bytes, expect) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut cmd = compose();
        cmd.arg("run").arg(&path);
        run(&mut cmd).fails().stderr_has(&[expect, name]);
    }
    let mut cmd = compose();
    cmd.arg("run").arg(tmp.path().join("missing.wasm"));
    run(&mut cmd)
        .fails()
        .stderr_has(&["cannot read", "missing.wasm"]);
}

#[test]
fn invoke_calls_a_library_function_with_wave_values() {
    let project = copy_example("rust-calls-go");
    compose_in(project.path(), &["build"]).ok();
    let greeter = project
        .path()
        .join("target/compose/dev/components/greeter/greeter.wasm");
    let invoke = |call: &str| {
        let mut cmd = compose();
        cmd.arg("run").arg(&greeter).args(["--invoke", call]);
        run(&mut cmd)
    };
    let out = invoke(r#"greeter.greet({name: "Ada", languages: ["Rust", "Go"]})"#).ok();
    assert_eq!(
        out.stdout.trim(),
        r#"{text: "Hello, Ada! Greetings from Go, via Rust and Go.", letters: 3, tags: ["go", "wasip1", "component"]}"#
    );
    let out = invoke(r#"demo:greet/greeter@0.1.0#echo("déjà vu")"#).ok();
    assert_eq!(out.stdout.trim(), r#""déjà vu""#);

    invoke(r#"shout("x")"#).fails().stderr_has(&[
        "the component exports no function `shout`",
        "it exports: demo:greet/greeter@0.1.0#greet, demo:greet/greeter@0.1.0#echo",
    ]);
    invoke("echo(42)").fails().stderr_has(&[
        "the arguments do not fit the function",
        "takes (text: string)",
    ]);
    invoke("echo")
        .fails()
        .stderr_has(&["expected a call such as"]);
}
