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

    spins_to_504_while_others_are_answered(&server);
    let after = server.get("/after");
    assert_eq!(after.text(), "hello from WASI 0.3 at /after");

    let (code, _, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
}

/// A guest that never yields gets 504 at its deadline; the server answers meanwhile.
fn spins_to_504_while_others_are_answered(server: &Server) {
    let addr = server.addr;
    let spinner = std::thread::spawn(move || request(addr, "GET", "/spin", &[], &[]));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let fast = server.get("/during");
    assert_eq!(fast.text(), "hello from WASI 0.3 at /during");
    let spun = spinner.join().unwrap();
    assert_eq!(spun.status, 504, "{spun:?}");
    server.logged("GET /spin 504");
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

/// How many requests the instance of each of `n` concurrent `/taken` requests had taken when
/// it answered (the fixture counts them in the guest).
fn taken(server: &Server, n: usize) -> Vec<u32> {
    let addr = server.addr;
    let askers: Vec<_> = (0..n)
        .map(|i| {
            std::thread::spawn(move || {
                request(addr, "GET", &format!("/taken?ms=600&n={i}"), &[], &[])
            })
        })
        .collect();
    askers
        .into_iter()
        .map(|asker| {
            let answer = asker.join().unwrap();
            assert_eq!(answer.status, 200, "{answer:?}");
            let text = answer.text();
            let count = text.rsplit(' ').next().and_then(|n| n.parse().ok());
            count.unwrap_or_else(|| panic!("no count in {text:?}"))
        })
        .collect()
}

/// `--requests-per-instance N` (opt-in): concurrent requests to a WASI 0.3 handler share
/// instances, N at most in one (the guest counts what its instance took: 1 each without the
/// flag). What sharing gives up is said and bounded: a request that spins gets 504 at its
/// deadline while new requests are answered by other instances; one that traps ends the
/// requests sharing its instance, each logged with why; a WASI 0.2 handler, and `--fuel`,
/// are refused with the reason.
#[test]
fn requests_share_instances_of_a_wasi_0_3_handler_only_when_asked() {
    let project = copy_fixture("http-p3");
    let dir = project.path();
    let alone = serve(dir, &["--timeout", "3s"]);
    let counts = taken(&alone, 6);
    assert!(counts.iter().all(|&n| n == 1), "{counts:?}");
    drop(alone);

    let server = serve(dir, &["--timeout", "3s", "--requests-per-instance", "8"]);
    let said = server.stderr.lock().unwrap().clone();
    assert!(
        said.contains("(wasi:http/handler@0.3; up to 8 requests share an instance"),
        "{said}"
    );
    let counts = taken(&server, 6);
    assert!(
        counts.iter().any(|&n| n > 1),
        "no instance was shared: {counts:?}"
    );
    assert!(counts.iter().all(|&n| n <= 8), "{counts:?}");

    spins_to_504_while_others_are_answered(&server);
    let addr = server.addr;

    // Sleepers first, so that the trap lands in the instance they wait in.
    let sleepers: Vec<_> = (0..3)
        .map(|i| {
            std::thread::spawn(move || {
                request(addr, "GET", &format!("/sleep?ms=2000&n={i}"), &[], &[])
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let trapped = server.get("/trap");
    assert_eq!(trapped.status, 500, "{trapped:?}");
    let ended = sleepers
        .into_iter()
        .map(|s| s.join().unwrap())
        .filter(|answer| answer.status == 500)
        .count();
    assert!(ended >= 1, "no sleeper shared the trapped instance");
    server.logged("the instance this request shared with others ended before it answered");
    let after = server.get("/after");
    assert_eq!(after.text(), "hello from WASI 0.3 at /after");
    let (code, _, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");

    // A request cannot be taken out of a shared instance when its client leaves: it keeps
    // its slot until its guest answers, so clients that leave at once meet --max-concurrency
    // instead of piling up guest work.
    let server = serve(
        dir,
        &[
            "--timeout",
            "10s",
            "--requests-per-instance",
            "4",
            "--max-concurrency",
            "2",
            "--max-queue",
            "0",
        ],
    );
    for _ in 0..2 {
        let mut leaving = std::net::TcpStream::connect(server.addr).unwrap();
        std::io::Write::write_all(
            &mut leaving,
            b"GET /sleep?ms=3000 HTTP/1.1\r\nhost: x\r\n\r\n",
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let busy = server.get("/busy");
    assert_eq!(busy.status, 503, "{busy:?}");
    server.logged("GET /sleep?ms=3000 499");
    std::thread::sleep(std::time::Duration::from_millis(3000));
    let freed = server.get("/freed");
    assert_eq!(freed.text(), "hello from WASI 0.3 at /freed");
    drop(server);

    for (args, why) in [
        (
            vec!["--requests-per-instance", "2"],
            "it serves `wasi:http/incoming-handler@0.2`, whose `handle` takes one request per instance",
        ),
        (
            vec!["--requests-per-instance", "2", "--fuel", "1000000000"],
            "`--fuel` is counted per instance",
        ),
    ] {
        let file = if args.len() == 2 {
            crate::serve::served_file().to_path_buf()
        } else {
            dir.join("target/compose/dev/http-p3.wasm")
        };
        let refused = run(compose()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(&args)
            .arg(&file));
        assert_eq!(refused.code, Some(2), "{refused}");
        assert!(
            refused.stderr.contains("cannot take 2 requests per instance")
                && refused.stderr.contains(why),
            "{refused}"
        );
    }
}
