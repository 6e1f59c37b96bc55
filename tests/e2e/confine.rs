//! Least privilege inside a composition: a hostile library in each of Rust, Go, C and Python,
//! composed under an app granted a directory, a variable and the network, is refused each
//! of them by the composed file itself (tests/fixtures/confine), also under the reference
//! `wasmtime run`.

use std::path::Path;
use std::process::Command;

use crate::support::*;

const LANGUAGES: [&str; 4] = ["rust", "go", "c", "py"];

/// The fixture with a writable `data/` the run grants as `/data`.
fn project() -> tempfile::TempDir {
    let project = copy_fixture("confine");
    let data = project.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("secret.txt"), "top secret").unwrap();
    std::fs::write(data.join("sub/inner.txt"), "inner").unwrap();
    reset_sub(project.path());
    edit(
        &project.path().join("compose.toml"),
        "dirs = [\"data::/data\"]",
        "dirs = [\"data::/data:rw\"]",
    );
    project
}

/// `data/sub` as the read-only sweeps expect it: `s.txt`, an empty `empty/` and `inner.txt`,
/// nothing else.
fn reset_sub(project: &Path) {
    let sub = project.join("data/sub");
    for entry in std::fs::read_dir(&sub).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(&path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
    }
    std::fs::write(sub.join("inner.txt"), "inner").unwrap();
    std::fs::write(sub.join("s.txt"), "keep me").unwrap();
    std::fs::create_dir(sub.join("empty")).unwrap();
}

/// Asserts that no attempt of the library's read-only sweep succeeded, and that `data/sub`
/// is as it was.
fn sweep_refused(out: &str, lang: &str, project: &Path) {
    let sweep = line(out, "lib readonly");
    let attempts: Vec<&str> = sweep.split(';').collect();
    assert!(attempts.len() >= 14, "lib-{lang}: {sweep}");
    for attempt in attempts {
        assert!(
            !attempt.ends_with("=ok"),
            "lib-{lang} changed a read-only folder: {attempt}\n{sweep}"
        );
    }
    let sub = project.join("data/sub");
    assert_eq!(
        std::fs::read_to_string(sub.join("s.txt")).unwrap(),
        "keep me",
        "lib-{lang}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&sub)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["empty", "inner.txt", "s.txt"], "lib-{lang}");
}

/// Composes `app` with `lib-<lang>`, granted `grants` (a TOML inline table, or none).
fn choose(project: &Path, lang: &str, grants: Option<&str>) {
    let path = project.join("compose.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    // Take out every earlier grant, then wire and grant this library.
    text = text
        .lines()
        .filter(|l| !l.starts_with("grants = "))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let wire = text.find("wire = { ").expect("a wire line");
    let end = wire + text[wire..].find('\n').unwrap();
    text.replace_range(
        wire..end,
        &format!("wire = {{ \"confine:probe/probe@0.1.0\" = \"lib-{lang}\" }}"),
    );
    if let Some(grants) = grants {
        let table = format!("path = \"lib-{lang}\"\nworld = \"lib\"\n");
        text = text.replace(&table, &format!("{table}grants = {grants}\n"));
    }
    std::fs::write(&path, text).unwrap();
}

fn run_with_secret(project: &Path) -> Run {
    let mut cmd = compose();
    cmd.env("CARGO_TARGET_DIR", guest_target(project))
        .env("SECRET", "hunter2")
        .args(["run", "--manifest-path"])
        .arg(project.join("compose.toml"));
    run(&mut cmd).ok()
}

/// The value of the line `key: value` of the output.
fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no `{key}:` line in\n{out}"))
}

/// The app has everything the run grants, whatever the library is granted.
fn app_has_all(out: &str) {
    let dirs: Vec<&str> = line(out, "app dirs").split(',').collect();
    assert!(
        dirs.contains(&"secret.txt") && dirs.contains(&"sub"),
        "{out}"
    );
    assert_eq!(line(out, "app file"), "top secret", "{out}");
    assert_eq!(line(out, "app write"), "written", "{out}");
    assert_eq!(line(out, "app env"), "hunter2", "{out}");
    assert_eq!(line(out, "app socket"), "created", "{out}");
}

#[test]
fn a_hostile_library_in_every_language_is_refused_what_the_app_has() {
    let project = project();
    let dir = project.path();
    let written = dir.join("data/sub/from-lib.txt");
    for lang in LANGUAGES {
        // Nothing granted.
        choose(dir, lang, None);
        reset_sub(dir);
        let out = run_with_secret(dir).stdout;
        app_has_all(&out);
        for key in ["lib dirs", "lib sub", "lib file", "lib write", "lib socket"] {
            assert!(
                line(&out, key).starts_with("denied"),
                "lib-{lang}: {key}\n{out}"
            );
        }
        assert_eq!(line(&out, "lib env"), "unset", "lib-{lang}\n{out}");
        assert!(!written.exists(), "lib-{lang} wrote into /data");
        sweep_refused(&out, lang, dir);
        if lang == "rust" {
            // A denied name lookup is an error the library reads, not a trap of the run.
            assert!(line(&out, "lib lookup").starts_with("denied"), "{out}");
        }
        // Its stdout is the run's unless denied.
        assert!(
            out.contains(&format!("lib-{lang} wrote to stdout")),
            "{out}"
        );

        // The same file under the reference Wasmtime CLI, with the app's grants.
        reset_sub(dir);
        let composed = dir.join("target/compose/dev/confine.wasm");
        let reference = reference_run(&composed, &dir.join("data"));
        app_has_all(&reference);
        assert_eq!(
            line(&reference, "lib env"),
            "unset",
            "lib-{lang}\n{reference}"
        );
        for key in ["lib dirs", "lib file", "lib write", "lib socket"] {
            assert!(
                line(&reference, key).starts_with("denied"),
                "lib-{lang} under wasmtime run: {key}\n{reference}"
            );
        }
        sweep_refused(&reference, lang, dir);

        // A read-only sub-folder and the variable; no stdout.
        choose(
            dir,
            lang,
            Some("{ dirs = [\"/data/sub:ro\"], env = [\"SECRET\"], stdout = false }"),
        );
        reset_sub(dir);
        let out = run_with_secret(dir).stdout;
        app_has_all(&out);
        assert_eq!(
            line(&out, "lib sub"),
            "empty,inner.txt,s.txt",
            "lib-{lang}\n{out}"
        );
        sweep_refused(&out, lang, dir);
        // The read-only grant is in the composed file: it holds under `wasmtime run` too.
        let reference = reference_run(
            &dir.join("target/compose/dev/confine.wasm"),
            &dir.join("data"),
        );
        sweep_refused(&reference, lang, dir);
        assert!(
            line(&out, "lib dirs").starts_with("denied"),
            "lib-{lang}\n{out}"
        );
        assert!(
            line(&out, "lib file").starts_with("denied"),
            "lib-{lang}\n{out}"
        );
        assert!(
            line(&out, "lib write").starts_with("denied"),
            "lib-{lang}\n{out}"
        );
        assert!(
            !written.exists(),
            "lib-{lang} wrote into a read-only folder"
        );
        assert_eq!(line(&out, "lib env"), "hunter2", "lib-{lang}\n{out}");
        assert!(
            line(&out, "lib socket").starts_with("denied"),
            "lib-{lang}\n{out}"
        );
        assert!(
            !out.contains(&format!("lib-{lang} wrote to stdout")),
            "lib-{lang}'s stdout was denied\n{out}"
        );

        // The same folder writable, and the network.
        choose(dir, lang, Some("{ dirs = [\"/data/sub\"], net = true }"));
        reset_sub(dir);
        let out = run_with_secret(dir).stdout;
        // Writable, the sweep's first attempts go through.
        assert!(
            line(&out, "lib readonly").starts_with("write=ok"),
            "lib-{lang}\n{out}"
        );
        assert_eq!(line(&out, "lib write"), "written", "lib-{lang}\n{out}");
        assert_eq!(std::fs::read_to_string(&written).unwrap(), "lib");
        std::fs::remove_file(&written).unwrap();
        assert_eq!(line(&out, "lib socket"), "created", "lib-{lang}\n{out}");
        assert_eq!(line(&out, "lib env"), "unset", "lib-{lang}\n{out}");
    }
}

/// `wasmtime run` of `file` with the app's grants: the directory, the variable, the network.
fn reference_run(file: &Path, data: &Path) -> String {
    let wasmtime = std::env::var("COMPOSE_REFERENCE_WASMTIME").expect(
        "COMPOSE_REFERENCE_WASMTIME names the reference Wasmtime CLI (scripts/test.sh sets it)",
    );
    let out = Command::new(wasmtime)
        .args([
            "run",
            "-S",
            "cli",
            "-S",
            "inherit-network",
            "--env",
            "SECRET=hunter2",
        ])
        .arg("--dir")
        .arg(format!("{}::/data", data.display()))
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "wasmtime run failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn check_explain_and_inspect_show_what_each_component_gets() {
    let project = project();
    let dir = project.path();
    choose(
        dir,
        "c",
        Some("{ dirs = [\"/data/sub:ro\"], env = [\"SECRET\"] }"),
    );

    let explain = compose_in(dir, &["run", "--explain"]).ok().stdout;
    assert!(
        explain.contains("app: what the run grants (the root)"),
        "{explain}"
    );
    assert!(
        explain.contains("lib-c: directories /data/sub (read-only); environment SECRET; no network; no outgoing HTTP; stdout, stderr; clocks and random"),
        "{explain}"
    );
    let json = compose_in(dir, &["run", "--explain", "--message-format", "json"])
        .ok()
        .stdout;
    let lib: serde_json::Value = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|m| m["type"] == "capabilities" && m["component"] == "lib-c")
        .unwrap_or_else(|| panic!("no capabilities of lib-c in\n{json}"));
    assert_eq!(lib["env"], serde_json::json!(["SECRET"]));
    assert_eq!(lib["network"], false);

    let check = compose_in(dir, &["check"]).ok().stderr;
    let confined = check
        .lines()
        .find(|l| l.contains("Confined lib-c"))
        .unwrap_or_else(|| panic!("no Confined line\n{check}"));
    for part in [
        "wasi:cli/environment@",
        "narrowed",
        "wasi:cli/stdin@",
        "denied",
        "lib-c.wasi",
    ] {
        assert!(confined.contains(part), "{part}: {confined}");
    }
    let json = compose_in(dir, &["check", "--message-format", "json"])
        .ok()
        .stdout;
    let message: serde_json::Value = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|m| m["type"] == "confined")
        .unwrap_or_else(|| panic!("no confined message\n{json}"));
    assert_eq!(message["component"], "lib-c");
    assert!(message["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i[0]
            .as_str()
            .unwrap()
            .starts_with("wasi:sockets/tcp-create-socket")
            && i[1] == "denied"));

    let composed = dir.join("target/compose/dev/confine.wasm");
    let inspect = run(compose().arg("inspect").arg(&composed)).ok().stdout;
    assert!(inspect.contains("  lib-c.wasi"), "{inspect}");
    assert!(
        inspect.contains("from lib-c.wasi (virtual: narrowed)")
            && inspect.contains("from lib-c.wasi (virtual: denied)"),
        "{inspect}"
    );
    // The app's WASI is the host's.
    let app = &inspect[inspect.find("  app (root)").expect("the root")..];
    assert!(!app.contains(".wasi"), "{app}");
}
