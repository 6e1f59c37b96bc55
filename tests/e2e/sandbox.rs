//! The sandbox grants nothing unless asked, and exactly what is asked.

use std::path::Path;

use crate::support::*;

fn probe(data: &Path, args: &[&str]) -> Run {
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
    run(&mut cmd).ok()
}

fn data_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::write(tmp.path().join("data/hello.txt"), "hello from the host").unwrap();
    std::fs::write(tmp.path().join("outside.txt"), "secret next door").unwrap();
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
