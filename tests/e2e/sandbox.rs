//! The sandbox grants nothing unless asked, and exactly what is asked.

use std::path::Path;

use crate::support::*;

/// Runs the probe guest with `args` (compose flags, then `--` and the guest's own).
fn probe_raw(data: &Path, args: &[&str]) -> Run {
    let fixture = repo().join("tests/fixtures/sandbox-probe");
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    let mut cmd = compose();
    cmd.env("PROBE_SECRET", "host-only")
        .arg(all[0])
        .arg("--manifest-path")
        .arg(fixture.join("compose.toml"))
        .args(&all[1..])
        .current_dir(data);
    run(&mut cmd)
}

fn probe(data: &Path, args: &[&str]) -> Run {
    probe_raw(data, args).ok()
}

fn data_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::write(tmp.path().join("data/hello.txt"), "hello from the host").unwrap();
    std::fs::write(tmp.path().join("outside.txt"), "secret next door").unwrap();
    // A symlink inside the grant that points out of it.
    std::os::unix::fs::symlink(tmp.path(), tmp.path().join("data/link-out")).unwrap();
    tmp
}

#[test]
fn a_run_without_grants_sees_no_env_and_no_files() {
    let tmp = data_dir();
    let out = probe(tmp.path(), &[]);
    assert!(out.stdout.contains("env PROBE_SECRET: unset"), "{out}");
    assert!(out.stdout.contains("env count: 0"), "{out}");
    assert!(out.stdout.contains("read /data/hello.txt: denied"), "{out}");
    assert!(
        out.stdout.contains("write /data/written.txt: denied"),
        "{out}"
    );
    assert!(!out.stderr.contains("Granting"), "{out}");
    assert!(!tmp.path().join("data/written.txt").exists());
}

#[test]
fn a_read_only_grant_reads_but_does_not_write_or_escape() {
    let tmp = data_dir();
    let out = probe(
        tmp.path(),
        &["--env", "PROBE_SECRET", "--dir", "data::/data"],
    );
    assert!(out.stdout.contains("env PROBE_SECRET: host-only"), "{out}");
    assert!(out.stdout.contains("env count: 1"), "{out}");
    assert!(
        out.stdout
            .contains("read /data/hello.txt: ok hello from the host"),
        "{out}"
    );
    assert!(
        out.stdout.contains("write /data/written.txt: denied"),
        "{out}"
    );
    assert!(
        out.stdout.contains("read /data/../outside.txt: denied"),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("Granting dir data as /data (read-only); env PROBE_SECRET"),
        "{out}"
    );
    assert!(!tmp.path().join("data/written.txt").exists());
}

#[test]
fn a_read_write_grant_writes_only_inside() {
    let tmp = data_dir();
    let out = probe(tmp.path(), &["--dir", "data::/data:rw"]);
    assert!(out.stdout.contains("write /data/written.txt: ok"), "{out}");
    assert!(
        out.stdout.contains("read /data/../outside.txt: denied"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("data/written.txt")).unwrap(),
        "from the guest"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("outside.txt")).unwrap(),
        "secret next door"
    );
}

#[test]
fn a_guest_that_loops_forever_is_stopped_by_the_timeout() {
    let tmp = data_dir();
    // Warm: build and compile once, so the timed run measures the run itself.
    probe(tmp.path(), &["--", "count", "10"]);
    let started = std::time::Instant::now();
    let out = probe_raw(tmp.path(), &["--timeout", "1s", "--", "loop"]);
    let elapsed = started.elapsed();
    assert_eq!(out.code, Some(124), "{out}");
    assert!(
        out.stderr.contains("it hit its time limit (--timeout 1s)"),
        "{out}"
    );
    assert!(
        elapsed < std::time::Duration::from_millis(1500),
        "took {elapsed:?}\n{out}"
    );
}

#[test]
fn unbounded_memory_growth_hits_the_memory_limit() {
    let tmp = data_dir();
    let out = probe_raw(tmp.path(), &["--max-memory", "64MiB", "--", "grow"]);
    assert_eq!(out.code, Some(121), "{out}");
    assert!(
        out.stderr
            .contains("it hit its memory limit (--max-memory 64MiB)"),
        "{out}"
    );
}

#[test]
fn unbounded_recursion_hits_the_stack_limit() {
    let tmp = data_dir();
    let out = probe_raw(tmp.path(), &["--", "recurse"]);
    assert_eq!(out.code, Some(123), "{out}");
    assert!(
        out.stderr
            .contains("it hit its stack limit (--max-stack 512KiB (the default))"),
        "{out}"
    );
    let out = probe_raw(tmp.path(), &["--max-stack", "64KiB", "--", "recurse"]);
    assert_eq!(out.code, Some(123), "{out}");
    assert!(out.stderr.contains("(--max-stack 64KiB)"), "{out}");
}

#[test]
fn fuel_bounds_the_work_a_guest_may_do() {
    let tmp = data_dir();
    let out = probe_raw(tmp.path(), &["--fuel", "1000000", "--", "loop"]);
    assert_eq!(out.code, Some(122), "{out}");
    assert!(
        out.stderr
            .contains("it hit its fuel limit (--fuel 1000000)"),
        "{out}"
    );
    let out = probe(tmp.path(), &["--fuel", "100000000", "--", "count", "1000"]);
    assert!(out.stdout.contains("counted to 500"), "{out}");
}

#[test]
fn sockets_are_denied_unless_the_network_is_granted() {
    let tmp = data_dir();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let out = probe(tmp.path(), &["--", "socket", &port]);
    assert!(out.stdout.contains("socket: denied"), "{out}");
    let out = probe(tmp.path(), &["--allow-net", "--", "socket", &port]);
    assert!(out.stdout.contains("socket: connected"), "{out}");
    let exact = format!("127.0.0.1:{port}");
    let out = probe(tmp.path(), &["--allow-net", &exact, "--", "socket", &port]);
    assert!(out.stdout.contains("socket: connected"), "{out}");
    assert!(out.stderr.contains(&format!("network {exact}")), "{out}");
    // A rule for another port does not open this one.
    let out = probe(
        tmp.path(),
        &["--allow-net", "127.0.0.1:1", "--", "socket", &port],
    );
    assert!(out.stdout.contains("socket: denied"), "{out}");
}
