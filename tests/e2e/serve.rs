//! `compose serve`: the HTTP example (a Rust handler calling a Go greeter) served by the real
//! binary and asked by a real HTTP client over TCP: routes, headers, bodies, a fresh instance
//! per request, limits, outgoing HTTP, the queue, graceful shutdown, hot reload, and the same
//! file served by the reference `wasmtime serve`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::support::*;

/// The example, built once for every test that serves its file.
static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();

pub(crate) fn served_file() -> &'static Path {
    let (_, file) = BUILT.get_or_init(|| {
        let project = copy_example("http-rust-go");
        compose_in(project.path(), &["build"]).ok();
        let file = project.path().join("target/compose/dev/http-rust-go.wasm");
        assert!(file.is_file());
        (project, file)
    });
    file
}

/// A running `compose serve` (or `wasmtime serve`): its address, and what it printed.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
    pub(crate) stdout: Arc<Mutex<String>>,
    pub(crate) stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `cmd` and waits until it says where it listens (`http://IP:PORT` on stderr).
    pub(crate) fn start(mut cmd: Command) -> Self {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the server");
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let start = Instant::now();
        loop {
            let said = stderr.lock().unwrap().clone();
            if let Some(addr) = said
                .split("http://")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| c.is_whitespace() || c == '/').next())
                .and_then(|a| a.parse().ok())
            {
                return Self {
                    child,
                    addr,
                    stdout,
                    stderr,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the server ended ({status}) before listening:\n{said}");
            }
            // Serving a project builds it first (a Python one compiles 35 MB).
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "the server did not listen within 10 minutes:\n{said}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `compose serve FILE --addr 127.0.0.1:0 ARGS...`.
    pub(crate) fn compose(file: &Path, args: &[&str]) -> Self {
        let mut cmd = compose();
        cmd.arg("serve")
            .arg(file)
            .args(["--addr", "127.0.0.1:0"])
            .args(args);
        Self::start(cmd)
    }

    /// Waits until `said` holds, polling; panics naming `what` and the server's stderr after
    /// `within`.
    pub(crate) fn wait_for(&self, what: &str, within: Duration, said: &dyn Fn() -> bool) {
        let start = Instant::now();
        while !said() {
            assert!(
                start.elapsed() < within,
                "no {what} within {within:?}:\n{}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], &[])
    }

    /// The access log once it has `line` (a request is logged when its instance ends, just
    /// after its response): panics naming it after 10 s.
    pub(crate) fn logged(&self, line: &str) -> String {
        let start = Instant::now();
        loop {
            let log = self.stdout.lock().unwrap().clone();
            if log.contains(line) {
                return log;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the access log lacks {line:?}:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the server to end: its exit code and stderr.
    pub(crate) fn terminate(mut self) -> (Option<i32>, String, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        // The readers end with the pipes.
        std::thread::sleep(Duration::from_millis(100));
        (
            status.code(),
            self.stdout.lock().unwrap().clone(),
            self.stderr.lock().unwrap().clone(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let into = text.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut t = into.lock().unwrap();
            t.push_str(&line);
            t.push('\n');
        }
    });
    text
}

/// An HTTP/1.1 response.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request on its own connection (`Connection: close`), read to the end.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        unchunk(rest)
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size");
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&raw[..line_end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .expect("a hex chunk size");
        raw = &raw[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

#[test]
fn routes_headers_and_streamed_bodies_each_in_a_fresh_instance() {
    let server = Server::compose(served_file(), &[]);
    let hello = server.get("/hello?name=Ada");
    assert_eq!(hello.status, 200, "{hello:?}");
    assert_eq!(
        hello.text(),
        "Hello, Ada! Greetings from Go, via Rust and Go."
    );
    let headers = request(server.addr, "GET", "/headers", &[("x-name", "Grace")], &[]);
    assert_eq!(headers.header("x-echo"), Some("Grace"), "{headers:?}");
    let missing = server.get("/nowhere");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text(), "no route for /nowhere");
    // 1 MiB in, streamed back in chunks.
    let body: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let echoed = request(server.addr, "POST", "/echo", &[], &body);
    assert_eq!(echoed.status, 200);
    assert!(echoed.body == body, "the 1 MiB body came back changed");
    // A counter in the instance's memory: every request starts from nothing.
    for _ in 0..3 {
        assert_eq!(server.get("/count").text(), "1");
    }
    for line in [
        "GET /hello?name=Ada 200",
        "GET /headers 200",
        "GET /nowhere 404",
        "POST /echo 200",
    ] {
        server.logged(line);
    }
}

#[test]
fn a_trap_a_memory_limit_and_a_timeout_fail_only_their_request() {
    let server = Server::compose(served_file(), &["--max-memory", "64MiB", "--timeout", "1s"]);
    let trap = server.get("/trap");
    assert_eq!(
        (trap.status, trap.text().trim()),
        (500, "the handler trapped")
    );
    let grow = server.get("/grow?mib=100");
    assert_eq!(grow.status, 500);
    assert!(grow.text().contains("memory limit"), "{}", grow.text());
    let started = Instant::now();
    let slow = server.get("/sleep?ms=5000");
    assert_eq!(slow.status, 504, "{}", slow.text());
    assert!(started.elapsed() < Duration::from_secs(4));
    // Under the limit, the same routes work, and the server is still up.
    assert_eq!(server.get("/grow?mib=8").status, 200);
    assert_eq!(server.get("/sleep?ms=10").status, 200);
    assert_eq!(server.get("/hello").status, 200);
    let (code, log, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    for line in [
        "GET /trap 500",
        "trapped: wasm `unreachable` instruction executed",
        "GET /grow?mib=100 500",
        "it hit its memory limit (--max-memory 64MiB)",
        "GET /sleep?ms=5000 504",
        "it hit its time limit (--timeout 1s)",
    ] {
        assert!(log.contains(line), "the access log lacks {line:?}:\n{log}");
    }
    assert!(
        stderr.contains("the /trap route traps, as asked"),
        "the guest's panic message reaches stderr:\n{stderr}"
    );
}

/// A one-shot HTTP server on a free port, answering every request with `body`.
pub(crate) fn upstream(body: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

#[test]
fn outgoing_http_is_denied_unless_its_host_is_granted() {
    let target = upstream("from upstream");
    let path = format!("/fetch?host={target}");
    let denied = Server::compose(served_file(), &[]);
    let answer = denied.get(&path);
    assert_eq!(answer.status, 502);
    assert!(
        answer.text().contains("HttpRequestDenied"),
        "{}",
        answer.text()
    );
    denied.logged(&format!("denied: outgoing HTTP to {target}"));
    // Another port of the same host is still denied; the granted one answers.
    let other_port = format!("127.0.0.1:{}", target.port().wrapping_add(1).max(1));
    let granted = Server::compose(served_file(), &["--allow-http", &other_port]);
    assert_eq!(granted.get(&path).status, 502);
    let granted = Server::compose(served_file(), &["--allow-http", &target.to_string()]);
    let answer = granted.get(&path);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.text(),
        format!("{target} answered 200: from upstream")
    );
}

#[test]
fn beyond_the_concurrency_and_the_queue_requests_get_503() {
    let server = Server::compose(
        served_file(),
        &["--max-concurrency", "1", "--max-queue", "0"],
    );
    let addr = server.addr;
    let slow = std::thread::spawn(move || request(addr, "GET", "/sleep?ms=1500", &[], &[]));
    std::thread::sleep(Duration::from_millis(500));
    let busy = server.get("/hello");
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert_eq!(slow.join().unwrap().status, 200);
    // The slot is given back when the instance ends, just after its response was sent.
    server.wait_for("the slot free again", Duration::from_secs(5), &|| {
        request(addr, "GET", "/hello", &[], &[]).status == 200
    });
    server.logged("GET /hello 503");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let server = Server::compose(served_file(), &["--message-format", "json"]);
    let addr = server.addr;
    let slow = std::thread::spawn(move || request(addr, "GET", "/sleep?ms=1000", &[], &[]));
    std::thread::sleep(Duration::from_millis(300));
    let (code, stdout, stderr) = server.terminate();
    let answer = slow.join().unwrap();
    assert_eq!(answer.status, 200, "{stderr}");
    assert_eq!(answer.text(), "slept 1000 ms");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("1 request(s) still running"), "{stderr}");
    assert!(stderr.contains("every request finished"), "{stderr}");
    // The access log as JSON lines.
    let messages: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let served = messages
        .iter()
        .find(|m| m["type"] == "request")
        .expect("a request message");
    assert_eq!(served["method"], "GET");
    assert_eq!(served["path"], "/sleep?ms=1000");
    assert_eq!(served["status"], 200);
    assert!(served["duration_ms"].as_f64().unwrap() >= 1000.0);
    assert!(messages.iter().any(|m| m["type"] == "stopped"));
    assert!(TcpStream::connect(addr).is_err(), "it stopped listening");
}

#[test]
fn a_port_in_use_and_a_component_that_is_no_handler_are_clear_errors() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(compose()
        .args(["serve", "--addr", &addr])
        .arg(served_file()))
    .fails();
    assert!(
        out.stderr.contains(&format!("cannot listen on {addr}")),
        "{out}"
    );
    assert!(
        out.stderr.contains("another process listens on port"),
        "{out}"
    );
    // A command is not a handler: what it exports is named.
    let project = copy_example("rust-calls-go");
    compose_in(project.path(), &["build"]).ok();
    let command = project.path().join("target/compose/dev/rust-calls-go.wasm");
    let out = run(compose()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg(&command))
    .fails();
    assert!(
        out.stderr
            .contains("does not export `wasi:http/incoming-handler`, so it cannot be served; it exports `wasi:cli/run@0.2"),
        "{out}"
    );
    assert!(out.stderr.contains("--template http"), "{out}");
}

#[test]
fn watch_swaps_in_a_rebuilt_handler_without_failing_a_request() {
    let project = copy_example("http-rust-go");
    compose_in(project.path(), &["build"]).ok();
    let mut cmd = compose();
    cmd.env("CARGO_TARGET_DIR", guest_target(project.path()))
        .args([
            "serve",
            "--watch",
            "--addr",
            "127.0.0.1:0",
            "--manifest-path",
        ])
        .arg(project.path().join("compose.toml"));
    let server = Server::start(cmd);
    let addr = server.addr;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    // Requests without a pause, across both reloads.
    let client = std::thread::spawn(move || {
        let mut answers = Vec::new();
        while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
            let r = request(addr, "GET", "/hello?name=Ada", &[], &[]);
            answers.push((r.status, r.text()));
        }
        answers
    });
    let lib = project.path().join("app/src/lib.rs");
    let wait_for = |what: &str, said: &dyn Fn() -> bool| {
        server.wait_for(what, Duration::from_secs(240), said);
    };
    // A change that does not build: the old handler keeps serving.
    edit(&lib, "struct Handler;", "struct Handler; this is not Rust");
    wait_for("failed rebuild", &|| {
        server
            .stderr
            .lock()
            .unwrap()
            .contains("the previous component, since this one failed")
    });
    edit(&lib, "struct Handler; this is not Rust", "struct Handler;");
    edit(
        &lib,
        r#""Rust".into(), "Go".into()"#,
        r#""Rust 2".into(), "Go".into()"#,
    );
    wait_for("reload", &|| {
        server.stderr.lock().unwrap().contains("Reloaded")
    });
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let answers = client.join().unwrap();
    let failed: Vec<_> = answers.iter().filter(|(s, _)| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "requests failed across the reload: {failed:?}"
    );
    let old = "Hello, Ada! Greetings from Go, via Rust and Go.";
    let new = "Hello, Ada! Greetings from Go, via Rust 2 and Go.";
    let first_new = answers
        .iter()
        .position(|(_, t)| t == new)
        .expect("the new handler answered");
    assert!(first_new > 0, "the old handler answered first");
    assert!(answers[..first_new].iter().all(|(_, t)| t == old));
    assert!(answers[first_new..].iter().all(|(_, t)| t == new));
}

#[test]
fn the_reference_wasmtime_serve_serves_the_same_file() {
    let wasmtime = std::env::var("COMPOSE_REFERENCE_WASMTIME").expect(
        "COMPOSE_REFERENCE_WASMTIME names the reference Wasmtime CLI (scripts/test.sh sets it)",
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(wasmtime);
    cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}"), "-S", "cli"])
        .arg(served_file());
    let server = Server::start(cmd);
    let hello = server.get("/hello?name=Ada");
    assert_eq!(hello.status, 200, "{hello:?}");
    assert_eq!(
        hello.text(),
        "Hello, Ada! Greetings from Go, via Rust and Go."
    );
    assert_eq!(server.get("/nowhere").status, 404);
}

#[test]
fn compose_new_http_gives_a_handler_that_serves_in_every_language() {
    let parent = tempfile::tempdir().unwrap();
    for (lang, from) in [
        ("rust", "Rust"),
        ("go", "Go"),
        ("c", "C"),
        ("python", "Python"),
    ] {
        let name = format!("web-{lang}");
        let mut cmd = compose();
        cmd.args(["new", &name, "--lang", lang, "--template", "http", "--path"])
            .arg(parent.path());
        let created = run(&mut cmd).ok();
        assert!(created.stderr.contains("compose serve"), "{created}");
        let dir = parent.path().join(&name);
        // `compose serve` in a project builds it first.
        let mut cmd = compose();
        cmd.env("CARGO_TARGET_DIR", guest_target(&dir))
            .args(["serve", "--addr", "127.0.0.1:0", "--manifest-path"])
            .arg(dir.join("compose.toml"));
        let server = Server::start(cmd);
        let hello = server.get("/hello?name=Ada+L");
        assert_eq!(
            (hello.status, hello.text()),
            (200, format!("Hello, Ada L, from a {from} component!\n")),
            "{lang}"
        );
        let index = server.get("/");
        assert_eq!(
            index.text(),
            format!("{name}: try /hello?name=you\n"),
            "{lang}"
        );
        let missing = server.get("/elsewhere");
        assert_eq!(
            (missing.status, missing.text()),
            (404, "no route for /elsewhere\n".to_string()),
            "{lang}"
        );
        assert_eq!(
            request(server.addr, "POST", "/hello", &[], b"x").status,
            404,
            "{lang}: only GET is routed"
        );
    }
}

#[test]
fn a_handler_published_to_a_registry_is_served_by_its_reference() {
    let registry = crate::registry_server::RegistryServer::open();
    let cache = tempfile::tempdir().unwrap();
    let with_registry = |cmd: &mut Command| {
        cmd.env("COMPOSE_REGISTRY", &registry.addr)
            .env("COMPOSE_REGISTRY_CACHE", cache.path())
            .env("COMPOSE_REGISTRY_CONFIG", cache.path().join("none.toml"))
            .env_remove("COMPOSE_REGISTRY_USERNAME")
            .env_remove("COMPOSE_REGISTRY_PASSWORD");
    };
    let mut publish = compose();
    with_registry(&mut publish);
    publish
        .arg("publish")
        .arg(served_file())
        .arg("demo:http-app@0.1.0");
    run(&mut publish).ok();
    let mut cmd = compose();
    with_registry(&mut cmd);
    cmd.args(["serve", "demo:http-app@0.1.0", "--addr", "127.0.0.1:0"]);
    let server = Server::start(cmd);
    assert!(
        server.stderr.lock().unwrap().contains("Pulled"),
        "{}",
        server.stderr.lock().unwrap()
    );
    let hello = server.get("/hello?name=Ada");
    assert_eq!(
        hello.text(),
        "Hello, Ada! Greetings from Go, via Rust and Go."
    );
    // What was served is the published file, byte for byte, in the registry cache.
    let pulled = std::fs::read_dir(cache.path().join("served"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .expect("the pulled component");
    assert!(std::fs::read(pulled).unwrap() == std::fs::read(served_file()).unwrap());
}

#[test]
fn a_handler_plugged_with_its_library_serves_like_the_build() {
    let file = served_file();
    let parts = file.parent().unwrap().join("components");
    let plugged = Server::compose(
        &parts.join("app/app.wasm"),
        &[
            "--plug",
            parts.join("greeter/greeter.wasm").to_str().unwrap(),
        ],
    );
    let built = Server::compose(file, &[]);
    for path in ["/hello?name=Ada", "/nowhere"] {
        let (a, b) = (plugged.get(path), built.get(path));
        assert_eq!((a.status, a.text()), (b.status, b.text()), "{path}");
    }
    assert_eq!(plugged.get("/hello?name=Ada").status, 200);
    // Without the library, the handler's import is named.
    let out = run(compose()
        .args(["serve", "--addr", "127.0.0.1:0", "--plug"])
        .arg(parts.join("app/app.wasm"))
        .arg(parts.join("app/app.wasm")));
    out.fails().stderr_has(&[
        "imports interface `demo:greet/greeter@",
        "no plug exports it",
    ]);
}

#[test]
fn watch_reloads_when_a_plugged_library_changes() {
    // The handler and its Go greeter as two files; the greeter is then rebuilt with another
    // greeting and copied over its plug.
    let project = copy_example("http-rust-go");
    compose_in(project.path(), &["build"]).ok();
    let parts = project.path().join("target/compose/dev/components");
    let files = tempfile::tempdir().unwrap();
    let (app, greeter) = (
        files.path().join("app.wasm"),
        files.path().join("greeter.wasm"),
    );
    std::fs::copy(parts.join("app/app.wasm"), &app).unwrap();
    std::fs::copy(parts.join("greeter/greeter.wasm"), &greeter).unwrap();
    let server = Server::compose(&app, &["--watch", "--plug", greeter.to_str().unwrap()]);
    let hello = || server.get("/hello?name=Ada").text();
    assert!(
        hello().starts_with("Hello, Ada! Greetings from Go"),
        "{}",
        hello()
    );
    let wait_for = |what: &str, said: &dyn Fn() -> bool| {
        server.wait_for(what, Duration::from_secs(60), said);
    };
    // Replaced whole (renamed into place), as a build writes it.
    let replace = |from: &Path| {
        let tmp = files.path().join("greeter.wasm.tmp");
        std::fs::copy(from, &tmp).unwrap();
        std::fs::rename(&tmp, &greeter).unwrap();
    };
    // A library of another interface: the reload fails, the old one keeps answering.
    replace(&repo().join("tests/broken/_components/greeter.wasm"));
    wait_for("failed reload", &|| {
        server
            .stderr
            .lock()
            .unwrap()
            .contains("the previous component, since this one failed")
    });
    assert!(hello().starts_with("Hello, Ada! Greetings from Go"));
    // The same interface, another greeting: served from the next request on.
    edit(
        &project
            .path()
            .join("greeter/export_demo_greet_greeter/greeter.go"),
        "Greetings from Go",
        "Greetings from a new Go",
    );
    compose_in(project.path(), &["build"]).ok();
    replace(&parts.join("greeter/greeter.wasm"));
    wait_for("reload", &|| hello().contains("Greetings from a new Go"));
    assert!(server.stderr.lock().unwrap().contains("Reloaded"));
}

/// A reload whose component takes more memories per instance than the pool was sized for
/// (at the server's start) is refused with both counts and what to do; the old component
/// keeps answering.
#[test]
fn watch_refuses_a_component_bigger_than_the_pool_and_keeps_serving() {
    let files = tempfile::tempdir().unwrap();
    let served = files.path().join("app.wasm");
    std::fs::copy(served_file(), &served).unwrap();
    let server = Server::compose(&served, &["--watch"]);
    assert_eq!(server.get("/hello").status, 200);
    // Forty core instances, a memory each: no pool sized for the example holds it.
    let mut wat = String::from("(component (core module $m (memory 1))");
    for _ in 0..40 {
        wat.push_str(" (core instance (instantiate $m))");
    }
    wat.push(')');
    let tmp = files.path().join("app.wasm.tmp");
    std::fs::write(&tmp, wat::parse_str(&wat).unwrap()).unwrap();
    std::fs::rename(&tmp, &served).unwrap();
    server.wait_for("the refused reload", Duration::from_secs(60), &|| {
        server
            .stderr
            .lock()
            .unwrap()
            .contains("the previous component, since this one failed")
    });
    let said = server.stderr.lock().unwrap().clone();
    assert!(
        said.contains("does not fit the server's pool")
            && said.contains("40 Wasm linear memories")
            && said.contains("restart `compose serve`"),
        "{said}"
    );
    assert_eq!(server.get("/hello").status, 200);
}
