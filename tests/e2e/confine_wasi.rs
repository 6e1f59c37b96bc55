//! Confinement checked function by function: a library generated from the WASI WIT
//! (`wasi_probe.rs`) calls every function of every interface compose confines, composed
//! under a root by the binary. A denial is an error value, never a trap; a read-only
//! directory refuses every flag and every method that could change it, and the file's bytes
//! are the same after.

use std::path::Path;

use crate::support::*;
use crate::wasi_probe::{self, Answer, Answered, Probe};

fn wasi() -> (&'static [(&'static str, &'static str)], String) {
    let (major, minor, patch) = compose_runtime::wasi_version().expect("the runtime's WASI");
    (
        compose_runtime::WASI_WIT,
        format!("{major}.{minor}.{patch}"),
    )
}

/// A project of the generated probe (granted `grants`, a TOML inline table) under a
/// generated root, with `data/sub/s.txt` and an empty `data/sub/empty/`.
fn project(grants: &str) -> (tempfile::TempDir, Probe) {
    let (files, version) = wasi();
    let probe = wasi_probe::library(files, &version);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("wit")).unwrap();
    std::fs::write(p.join("wit/probe.wit"), wasi_probe::world_wit(&version)).unwrap();
    std::fs::write(p.join("probe.wasm"), &probe.bytes).unwrap();
    std::fs::write(p.join("root.wasm"), wasi_probe::root(files, &version)).unwrap();
    std::fs::create_dir_all(p.join("data/sub/empty")).unwrap();
    std::fs::write(p.join("data/sub/s.txt"), "keep me").unwrap();
    std::fs::write(
        p.join("compose.toml"),
        format!(
            "[project]\nname = \"denials\"\n\n[run]\ndirs = [\"data::/data:rw\"]\n\n\
             [components.root]\nlanguage = \"wasm\"\npath = \"root.wasm\"\nworld = \"root\"\n\n\
             [components.probe]\nlanguage = \"wasm\"\npath = \"probe.wasm\"\nworld = \"lib\"\ngrants = {grants}\n\n\
             [compose]\nroot = \"root\"\n"
        ),
    )
    .unwrap();
    (dir, probe)
}

/// Runs the probe through `compose run --invoke` and reads what each call answered.
fn answers(dir: &Path, probe: &Probe) -> Vec<Answered> {
    let out = compose_in(dir, &["run", "--invoke", "run()"]).ok();
    probe.read(&out.stdout)
}

fn find<'a>(answers: &'a [Answered], call: &str) -> &'a Answered {
    answers
        .iter()
        .find(|a| a.call == call)
        .unwrap_or_else(|| panic!("no answer for {call}"))
}

#[test]
fn every_denied_wasi_function_answers_an_error_and_the_library_runs_on() {
    let (project, probe) = project("{ stdout = false, stderr = false }");
    let answered = answers(project.path(), &probe);
    // Every free function of every confined interface was called, but those that need a
    // resource no denied call hands out.
    let called: Vec<&str> = answered.iter().map(|a| a.call.as_str()).collect();
    // (The directory's calls run once per granted directory: none here.)
    for name in &probe.calls {
        if !name.starts_with("open-at") && !name.starts_with("[method]descriptor.") {
            assert!(called.contains(&name.as_str()), "{name} was not called");
        }
    }
    let for_want_of_a_resource = [
        "wasi:filesystem/types#filesystem-error-code",
        "get-stdin then wasi:io/streams#[method]input-stream.splice",
        "get-stdin then wasi:io/streams#[method]input-stream.blocking-splice",
    ];
    for (call, why) in &probe.skipped {
        assert!(
            for_want_of_a_resource.contains(&call.as_str()) || call.ends_with("splice"),
            "{call} was not called: {why}"
        );
    }
    let denied = |call: &str| {
        let a = find(&answered, call);
        assert_eq!(
            (a.answer, a.error.as_deref()),
            (Answer::Err, Some("access-denied")),
            "{call}: {a:?}"
        );
    };
    let v = |f: &str| f.to_string();
    for call in [
        v("wasi:sockets/tcp-create-socket#create-tcp-socket"),
        v("wasi:sockets/udp-create-socket#create-udp-socket"),
        // The red team's case: a lookup with a borrowed network used to trap.
        v("wasi:sockets/ip-name-lookup#resolve-addresses"),
    ] {
        denied(&call);
    }
    for (call, answer, value) in [
        ("wasi:cli/environment#get-environment", Answer::List, 0),
        ("wasi:cli/environment#get-arguments", Answer::List, 0),
        ("wasi:cli/environment#initial-cwd", Answer::None, 0),
        ("wasi:filesystem/preopens#get-directories", Answer::List, 0),
    ] {
        let a = find(&answered, call);
        assert_eq!((a.answer, a.value), (answer, value), "{call}: {a:?}");
    }
    // Denied stdin is empty (closed); denied stdout and stderr take writes and keep nothing.
    let a = find(
        &answered,
        "get-stdin then wasi:io/streams#[method]input-stream.read",
    );
    assert_eq!(
        (a.answer, a.error.as_deref()),
        (Answer::Err, Some("closed"))
    );
    for stream in ["get-stdout", "get-stderr"] {
        let a = find(
            &answered,
            &format!(
                "{stream} then wasi:io/streams#[method]output-stream.blocking-write-and-flush"
            ),
        );
        assert_eq!(a.answer, Answer::Ok, "{a:?}");
    }
}

#[test]
fn a_read_only_directory_refuses_every_flag_and_method_that_could_change_it() {
    let (project, probe) = project("{ dirs = [\"/data/sub:ro\"] }");
    let answered = answers(project.path(), &probe);
    let bit = |flags: &[String], name: &str| 1u32 << flags.iter().position(|f| f == name).unwrap();
    let reading_open = bit(&probe.open_flags, "directory");
    let reading = bit(&probe.descriptor_flags, "read");
    let mut opened = 0;
    for a in answered.iter().filter(|a| a.call.starts_with("open-at")) {
        let numbers: Vec<u32> = a
            .call
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (o, d) = (numbers[0], numbers[1]);
        let changes = o & !reading_open != 0 || d & !reading != 0;
        if changes {
            assert_eq!(
                (a.answer, a.error.as_deref()),
                (Answer::Err, Some("read-only")),
                "{}",
                a.call
            );
        } else {
            assert_ne!(a.error.as_deref(), Some("read-only"), "{}", a.call);
            opened += usize::from(a.answer == Answer::Ok);
        }
    }
    assert!(opened > 0, "s.txt could be opened to read");
    let reads = [
        "read-via-stream",
        "advise",
        "sync-data",
        "sync",
        "get-flags",
        "get-type",
        "read",
        "read-directory",
        "stat",
        "stat-at",
        "readlink-at",
        "is-same-object",
        "metadata-hash",
        "metadata-hash-at",
    ];
    let mut refused = 0;
    for a in answered
        .iter()
        .filter(|a| a.call.starts_with("[method]descriptor."))
    {
        let method = a.call["[method]descriptor.".len()..]
            .split(' ')
            .next()
            .unwrap();
        if !reads.contains(&method) {
            assert_eq!(
                (a.answer, a.error.as_deref()),
                (Answer::Err, Some("read-only")),
                "{}",
                a.call
            );
            refused += 1;
        }
    }
    assert!(refused >= 20, "only {refused} changing calls were made");
    let data = project.path().join("data/sub");
    assert_eq!(
        std::fs::read_to_string(data.join("s.txt")).unwrap(),
        "keep me"
    );
    let mut left: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["empty", "s.txt"], "nothing made, moved or removed");
}
