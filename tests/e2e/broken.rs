//! The broken-input corpus (`tests/broken/<case>/`): each case is a folder with the files of
//! a project or the inputs of a command, `args` (the command, one argument per line) and
//! `expected.txt` (the exit code and stderr, with the case's folder written `<dir>`). Every
//! case must fail cleanly, never panic, and say exactly what its snapshot says.
//! `COMPOSE_BLESS=1` rewrites the snapshots.

use std::path::Path;

use crate::support::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "expected.txt" || name == "args" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_broken_input_gets_its_exact_diagnostic() {
    let corpus = repo().join("tests/broken");
    let components = corpus.join("_components");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        for wasm in ["greeter.wasm", "app.wasm", "package.wasm", "cut.wasm"] {
            std::fs::copy(components.join(wasm), dir.path().join(wasm)).unwrap();
        }
        copy_dir(case, dir.path());
        let args = std::fs::read_to_string(case.join("args")).unwrap();
        let mut cmd = compose();
        cmd.current_dir(dir.path())
            .args(args.lines().filter(|l| !l.is_empty()))
            .env(
                "COMPOSE_REGISTRY_CONFIG",
                dir.path().join("no-registries.toml"),
            )
            .env("CARGO_TARGET_DIR", dir.path().join("target/cargo"))
            .env_remove("COMPOSE_REGISTRY")
            .env_remove("COMPOSE_REGISTRY_USERNAME")
            .env_remove("COMPOSE_REGISTRY_PASSWORD");
        let out = run(&mut cmd);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        let stderr = out
            .stderr
            .replace(&real.display().to_string(), "<dir>")
            .replace(&dir.path().display().to_string(), "<dir>");
        let actual = format!("exit: {}\n{stderr}", out.code.unwrap_or(-1));
        if out.stderr.contains("panicked") || out.code == Some(101) || out.code == Some(0) {
            failures.push(format!("{name}: did not fail cleanly\n{out}"));
            continue;
        }
        failures.extend(check_snapshot(case, &actual));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
