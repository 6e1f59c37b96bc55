//! Limits that really limit: a guest blocked in a host call is stopped by `--timeout` (and by
//! the time its fuel allows), `--max-memory` bounds the whole run, absurd nesting is refused
//! before compiling, listening needs its own grant, and hostile inputs of the command line
//! get errors, never a panic or a hang.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

fn probe_manifest() -> PathBuf {
    repo().join("tests/fixtures/sandbox-probe/compose.toml")
}

/// `compose run` of the probe with `flags`, then `--` and `guest` arguments.
fn probe(flags: &[&str], guest: &[&str]) -> std::process::Command {
    let mut cmd = compose();
    cmd.arg("run")
        .arg("--manifest-path")
        .arg(probe_manifest())
        .args(flags)
        .arg("--")
        .args(guest);
    cmd
}

/// Builds the probe once per test (fresh after the first).
fn built() {
    let mut cmd = compose();
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(probe_manifest());
    run(&mut cmd).ok();
}

#[test]
fn a_timeout_ends_a_guest_blocked_in_a_host_call() {
    built();
    // Sleeping (waiting on a pollable).
    let started = Instant::now();
    let out = run(&mut probe(&["--timeout", "1s"], &["sleep"]));
    assert_eq!(out.code, Some(124), "{out}");
    assert!(out.stderr.contains("time limit (--timeout 1s)"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(10), "{out}");

    // Reading a stdin that never ends.
    let started = Instant::now();
    let mut child = probe(&["--stdin", "--timeout", "1s"], &["stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _keep_open = child.stdin.take();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(124));
    assert!(started.elapsed() < Duration::from_secs(10));

    // Writing into a pipe nobody reads: the write cannot be interrupted, so compose ends.
    let started = Instant::now();
    let mut child = probe(&["--timeout", "1s"], &["flood"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _unread = child.stdout.take();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(124), "{stderr}");
    assert!(stderr.contains("blocked in a host call"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn fuel_cannot_be_dodged_by_waiting() {
    built();
    let started = Instant::now();
    let out = run(&mut probe(&["--fuel", "1000000"], &["sleep"]));
    assert_eq!(out.code, Some(122), "{out}");
    assert!(
        out.stderr
            .contains("it waited longer than that fuel allows"),
        "{out}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_last_line_without_a_newline_is_not_lost() {
    built();
    let out = run(&mut probe(&[], &["partial"])).ok();
    assert_eq!(out.stdout, "no newline at the end");
}

#[test]
fn listening_needs_its_own_grant() {
    built();
    // A rule for connecting does not let the guest take connections.
    let out = run(&mut probe(
        &["--allow-net", "127.0.0.1"],
        &["listen", "18431"],
    ))
    .ok();
    assert!(out.stdout.contains("listen: denied"), "{out}");
    // With a listen grant it binds and accepts.
    let child = probe(
        &["--allow-listen", "127.0.0.1:18432", "--timeout", "20s"],
        &["listen", "18432"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect("127.0.0.1:18432").is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("listen: accepted"), "{stdout}");
}

/// A component of `n` core instances, each with a memory of `mib` MiB, exporting `f`.
fn many_memories(dir: &Path, n: usize, mib: usize) -> PathBuf {
    let pages = mib * 16;
    let mut wat = format!(
        "(component (core module $m (memory {pages}))\n(core module $f (func (export \"f\") (result i32) i32.const 1))\n"
    );
    for _ in 0..n {
        wat.push_str("(core instance (instantiate $m))\n");
    }
    wat.push_str("(core instance $fi (instantiate $f))\n(func (export \"f\") (result u32) (canon lift (core func $fi \"f\"))))");
    let path = dir.join("many.wasm");
    std::fs::write(&path, wat::parse_str(&wat).unwrap()).unwrap();
    path
}

#[test]
fn max_memory_bounds_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = many_memories(dir.path(), 20, 48);
    let mut cmd = compose();
    cmd.arg("run")
        .arg(&file)
        .args(["--invoke", "f()", "--max-memory", "64MiB"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(121), "{out}");
    assert!(
        out.stderr.contains("memory limit (--max-memory 64MiB)"),
        "{out}"
    );
    // Each memory alone is under the limit; together they are not. Without a limit it runs.
    let mut cmd = compose();
    cmd.arg("run").arg(&file).args(["--invoke", "f()"]);
    assert_eq!(run(&mut cmd).ok().stdout, "1\n");
    // --explain says what bounds a run.
    let mut cmd = compose();
    cmd.arg("run")
        .arg(&file)
        .args(["--explain", "--max-memory", "64MiB"]);
    let out = run(&mut cmd).ok();
    assert!(
        out.stdout.contains("memory 64MiB for the whole run")
            && out.stdout.contains("at most 1000 instances"),
        "{out}"
    );
}

/// A component nested `depth` deep (made with wasm-encoder: the text format stops at 100).
fn nested(dir: &Path, depth: usize) -> PathBuf {
    let mut inner = wasm_encoder::Component::new();
    for _ in 0..depth {
        let mut outer = wasm_encoder::Component::new();
        outer.section(&wasm_encoder::NestedComponentSection(&inner));
        inner = outer;
    }
    let path = dir.join("nested.wasm");
    std::fs::write(&path, inner.finish()).unwrap();
    path
}

#[test]
fn absurd_nesting_is_refused_before_compiling_and_inspected_without_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let file = nested(dir.path(), 3000);
    let started = Instant::now();
    let mut cmd = compose();
    cmd.arg("run").arg(&file);
    run(&mut cmd)
        .fails()
        .stderr_has(&["refused before compiling", "more than 32 deep"]);
    assert!(started.elapsed() < Duration::from_secs(10));
    let mut cmd = compose();
    cmd.arg("inspect").arg(&file);
    let out = run(&mut cmd);
    assert!(
        out.code == Some(0) || out.code == Some(2),
        "a result or an error, never a crash\n{out}"
    );
    assert!(!out.stderr.contains("internal error"), "{out}");
}

#[test]
fn hostile_command_lines_get_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = many_memories(dir.path(), 1, 1);
    for (args, needle) in [
        (vec!["--timeout", "99999999999999999s"], "the longest limit"),
        (vec!["--timeout", "0ns"], "more than zero"),
        (vec!["--max-memory", "99999PiB"], "the largest limit"),
        (vec!["--dir", ".::/g:RW"], "unknown mode `RW`"),
        (vec!["--env", "=2"], "has no name"),
        (vec!["--env", "A\nB=1"], "control characters"),
        (vec!["--allow-net", ""], "empty address rule"),
    ] {
        let mut cmd = compose();
        cmd.arg("run").arg(&file).args(&args);
        let out = run(&mut cmd);
        assert_eq!(out.code, Some(2), "{args:?}\n{out}");
        assert!(out.stderr.contains(needle), "{args:?}\n{out}");
        assert!(!out.stderr.contains("panicked"), "{out}");
    }
    // A device is not a component file: refused, not read until memory runs out.
    let mut cmd = compose();
    cmd.args(["inspect", "/dev/zero"]);
    run(&mut cmd).fails().stderr_has(&["not a regular file"]);
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let file = many_memories(dir.path(), 1, 1);
    let lone = repo().join("tests/broken/_components/greeter.wasm");
    for (command, file) in [("inspect", &file), ("graph", &lone)] {
        let mut child = compose()
            .arg(command)
            .arg(file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("internal error") && !stderr.contains("panicked"),
            "{command}: {stderr}"
        );
        assert_ne!(out.status.code(), Some(101), "{command}");
    }
}
