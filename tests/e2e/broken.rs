//! The broken-input corpus (`tests/broken/<case>/`): each case is a folder with the files of
//! a project or the inputs of a command, `args` (the command, one argument per line) and
//! `expected.txt` (the exit code and stderr, with the case's folder written `<dir>`). Every
//! case must fail cleanly, never panic, and say exactly what its snapshot says.
//! A file `NAME.wasm.wit` becomes the component `NAME.wasm` before the case runs: a
//! component of the world its first line names (`// world: W`) whose functions trap; and
//! `NAME.wasm.wat` becomes `NAME.wasm` by assembling it. Crafted inputs are made here rather
//! than checked in.
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
        if let Some(wasm) = name.to_str().and_then(|n| n.strip_suffix(".wit")) {
            if wasm.ends_with(".wasm") {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                std::fs::write(to.join(wasm), component_of(&text)).unwrap();
                continue;
            }
        }
        if let Some(wasm) = name.to_str().and_then(|n| n.strip_suffix(".wat")) {
            if wasm.ends_with(".wasm") {
                std::fs::write(to.join(wasm), wat::parse_file(entry.path()).unwrap()).unwrap();
                continue;
            }
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
            // One component at a time: progress lines in a fixed order.
            .env("COMPOSE_JOBS", "1")
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
        let actual = format!(
            "exit: {}\n{}",
            out.code.unwrap_or(-1),
            without_compiling(&without_offsets(&without_times(&stderr)))
        );
        if out.stderr.contains("panicked") || out.code == Some(101) || out.code == Some(0) {
            failures.push(format!("{name}: did not fail cleanly\n{out}"));
            continue;
        }
        failures.extend(check_snapshot(case, &actual));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `Built app (8.5 KiB, 0.1s)` → `Built app (8.5 KiB, <time>)`: durations vary from run to run.
fn without_times(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..i]);
        let number = rest[i..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len() - i);
        let after = &rest[i + number..];
        let preceded = out.ends_with(", ") || out.ends_with(" in ");
        if preceded
            && after.starts_with("s")
            && !after[1..].starts_with(|c: char| c.is_alphanumeric())
        {
            out.push_str("<time>");
            rest = &after[1..];
        } else {
            out.push_str(&rest[i..i + number]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Without the `Compiling FILE (once; ...)` line of a run: whether it shows depends on what
/// the shared compiled-code cache already holds, not on the case.
fn without_compiling(text: &str) -> String {
    text.lines()
        .filter(|l| {
            !(l.trim_start().starts_with("Compiling ")
                && (l.contains("(once;") || l.contains("(for the first run")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `0:     0xd9 - core.wasm!abort` → `0: <at> - core.wasm!abort`: where a compiler put a
/// function changes with its version; the frames do not.
fn without_offsets(text: &str) -> String {
    text.lines()
        .map(|line| match line.split_once(" - ") {
            Some((before, after))
                if before
                    .trim_end()
                    .rsplit(' ')
                    .next()
                    .is_some_and(|w| w.starts_with("0x")) =>
            {
                let number = before.trim_end().rsplit_once(' ').map_or("", |(n, _)| n);
                format!("{} <at> - {after}", number.trim_end())
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

/// A component of the world named on the first line of `wit` (`// world: W`), every function
/// of it a trap: all that a contract check looks at is its type. The world may name the WASI
/// packages the runtime implements.
fn component_of(wit: &str) -> Vec<u8> {
    use wit_component::{ComponentEncoder, StringEncoding};
    let world = wit
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// world: "))
        .expect("the first line names the world");
    // With the runtime's WASI packages beside it, so a world can name them.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deps")).unwrap();
    for (name, text) in compose_runtime::WASI_WIT {
        std::fs::write(dir.path().join("deps").join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("component.wit"), wit).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(dir.path()).unwrap();
    let world = resolve.select_world(&[package], Some(world)).unwrap();
    let mut module =
        wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
        .unwrap();
    ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}
