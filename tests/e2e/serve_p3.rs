//! `compose serve` with a WASI 0.3 handler (tests/fixtures/http-p3): `handle` is an async
//! function whose body is a stream the guest writes after returning the response; many such
//! requests wait at once on the async clock; one that spins is ended at its deadline while the
//! others are answered. The handler in Rust, then in Python; `compose new --template http-p3`.

use std::process::Command;

use crate::serve::{request, Server};
use crate::support::*;

fn serve(project: &std::path::Path, args: &[&str]) -> Server {
    let mut cmd: Command = compose();
    cmd.env("CARGO_TARGET_DIR", guest_target(project))
        .args(["serve", "--addr", "127.0.0.1:0", "--manifest-path"])
        .arg(project.join("compose.toml"))
        .args(args);
    Server::start(cmd)
}

#[test]
fn a_wasi_0_3_handler_streams_its_body_waits_concurrently_and_is_ended_when_it_spins() {
    let project = copy_fixture("http-p3");
    let dir = project.path();
    served_well(dir);
    edit(
        &dir.join("compose.toml"),
        "language = \"rust\"\npath = \"handler\"",
        "language = \"python\"\npath = \"handler-py\"",
    );
    served_well(dir);
}

fn served_well(dir: &std::path::Path) {
    let server = serve(dir, &["--timeout", "3s", "--max-concurrency", "4"]);
    let said = server.stderr.lock().unwrap().clone();
    assert!(
        said.contains("(wasi:http/handler@0.3; a fresh instance per request"),
        "{said}"
    );
    let hello = server.get("/hello");
    assert_eq!(hello.status, 200, "{hello:?}");
    assert_eq!(hello.text(), "hello from WASI 0.3 at /hello");

    // More sleeping requests than --concurrency instances at once: all of them answered,
    // each with its own body (an instance per request, none of them busy while it waits).
    let addr = server.addr;
    let sleepers: Vec<_> = (0..12)
        .map(|i| {
            std::thread::spawn(move || {
                let path = format!("/sleep?ms=300&n={i}");
                (request(addr, "GET", &path, &[], &[]), path)
            })
        })
        .collect();
    for sleeper in sleepers {
        let (answer, path) = sleeper.join().unwrap();
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        assert_eq!(answer.text(), format!("hello from WASI 0.3 at {path}"));
    }

    // A guest that never yields gets 504 at its deadline; the server answers meanwhile.
    let spinner = std::thread::spawn(move || request(addr, "GET", "/spin", &[], &[]));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let fast = server.get("/during");
    assert_eq!(fast.text(), "hello from WASI 0.3 at /during");
    let spun = spinner.join().unwrap();
    assert_eq!(spun.status, 504, "{spun:?}");
    server.logged("GET /spin 504");
    let after = server.get("/after");
    assert_eq!(after.text(), "hello from WASI 0.3 at /after");

    let (code, _, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
}

/// Go's greeter under a Rust handler (Go has no WASI 0.3 handler), Python's under Python's.
#[test]
fn compose_new_http_p3_serves_a_handler_calling_a_library() {
    let parent = tempfile::tempdir().unwrap();
    for (lang, from) in [("go", "Go"), ("python", "Python")] {
        let name = format!("web-p3-{lang}");
        let mut cmd = compose();
        cmd.args([
            "new",
            &name,
            "--lang",
            lang,
            "--template",
            "http-p3",
            "--path",
        ])
        .arg(parent.path());
        run(&mut cmd).ok();
        let dir = parent.path().join(&name);
        let server = serve(&dir, &[]);
        let hello = server.get("/hello?name=Ada+L");
        assert_eq!(
            (hello.status, hello.text()),
            (200, format!("Hello, Ada L, from a {from} component!\n")),
            "{lang}"
        );
        assert_eq!(
            server.get("/").text(),
            format!("{name}: try /hello?name=you\n")
        );
        let missing = server.get("/elsewhere");
        assert_eq!(
            (missing.status, missing.text()),
            (404, "no route for /elsewhere\n".to_string()),
            "{lang}"
        );
    }
}

/// The pool is sized to the served component: ten thousand instances of a handler with one
/// memory fit in the address space (a pool sized for any component could not reserve them),
/// and a component whose memories do not fit that many is refused at start with how many do.
#[test]
fn ten_thousand_instances_fit_a_one_memory_handler_and_too_many_are_refused_with_how_many() {
    let project = copy_fixture("http-p3");
    let server = serve(project.path(), &["--max-concurrency", "10000"]);
    let hello = server.get("/hello");
    assert_eq!(hello.status, 200, "{hello:?}");
    drop(server);

    let refused = run(compose()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--max-concurrency",
            "10000",
        ])
        .arg(crate::serve::served_file()));
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(
        refused
            .stderr
            .contains("cannot reserve the memory of 10000 instances")
            && refused.stderr.contains("lower --max-concurrency")
            && refused.stderr.contains("holds about"),
        "{refused}"
    );
}
