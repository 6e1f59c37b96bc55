//! `compose serve` under hostile load, through the binary: more spinning guests than cores,
//! slow, silent and idle clients, a flood of connections, and SIGTERM while guests spin.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::serve::{request, served_file, Server};
use crate::support::*;

/// What a connection read until the server closed it, and how long that took (`None`: it
/// was still open after `within`).
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Option<Duration>) {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64 << 10];
    while started.elapsed() < within {
        match stream.read(&mut buf) {
            Ok(0) => return (got, Some(started.elapsed())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // Reset by the server: closed too.
            Err(_) => return (got, Some(started.elapsed())),
        }
    }
    (got, None)
}

/// The status of one request on its own connection, tolerating a server that closes the
/// connection without answering (0).
fn status_of(addr: SocketAddr, path: &str) -> u16 {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    );
    let (got, _) = read_until_closed(&mut stream, Duration::from_secs(30));
    String::from_utf8_lossy(&got)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The red team's case: as many spinning requests as cores (and two more) used to wedge the
/// server for good. Each now gets its 504 near the limit, a fast request is answered
/// meanwhile, and SIGTERM with guests still spinning ends the server after its grace period.
#[test]
fn spinning_guests_beyond_the_cores_get_504_while_the_server_answers_and_sigterm_ends_it() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spinners = cores + 2;
    let limit = Duration::from_secs(3);
    let server = Server::compose(
        served_file(),
        &["--timeout", "3s", "--shutdown-timeout", "1s"],
    );
    let addr = server.addr;
    let started = Instant::now();
    let spinning: Vec<_> = (0..spinners)
        .map(|_| {
            std::thread::spawn(move || {
                let answer = request(addr, "GET", "/spin", &[], &[]);
                (answer.status, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let asked = Instant::now();
    let hello = server.get("/hello?name=Ada");
    let fast = asked.elapsed();
    assert_eq!(hello.status, 200, "{}", hello.text());
    eprintln!("a fast request with {spinners} guests spinning on {cores} cores: {fast:?}");
    assert!(
        fast < Duration::from_secs(1),
        "a fast request waited {fast:?} behind {spinners} spinning guests"
    );
    for spinner in spinning {
        let (status, took) = spinner.join().unwrap();
        assert_eq!(status, 504, "a spinning request after {took:?}");
        assert!(
            took >= limit && took < limit + Duration::from_secs(2),
            "a spinning request ended after {took:?}, its limit being {limit:?}"
        );
    }
    server.logged("GET /spin 504");
    // Spinning again, then SIGTERM: the grace period (1 s) ends them, not their 3 s limit.
    let again: Vec<_> = (0..spinners)
        .map(|_| std::thread::spawn(move || status_of(addr, "/spin")))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let terminated = Instant::now();
    let (code, log, stderr) = server.terminate();
    let took = terminated.elapsed();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        took < Duration::from_millis(2500),
        "SIGTERM took {took:?} to end the server:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{spinners} request(s) had not finished within --shutdown-timeout and were ended"
        )),
        "{stderr}"
    );
    for spinner in again {
        let status = spinner.join().unwrap();
        assert!(
            status == 503 || status == 0,
            "a request stopped by the shutdown got {status}"
        );
    }
    assert!(
        log.contains("the server shut down before it finished"),
        "{log}"
    );
}

/// A client that sends nothing, one that trickles its head a byte at a time, one that stays
/// idle after its answer, and one that does not read its response: each is closed at its
/// bound with a line saying why; beyond `--max-connections` a connection gets 503.
#[test]
fn slow_silent_and_idle_clients_are_closed_and_connections_are_capped() {
    let server = Server::compose(
        served_file(),
        &[
            "--header-timeout",
            "1s",
            "--keep-alive-timeout",
            "2s",
            "--idle-timeout",
            "1s",
            "--max-connections",
            "6",
        ],
    );
    let addr = server.addr;
    let bound = Duration::from_secs(6);

    // Sends nothing.
    let mut silent = TcpStream::connect(addr).unwrap();
    let (_, closed) = read_until_closed(&mut silent, bound);
    let closed = closed.expect("a silent connection is closed");
    assert!(closed >= Duration::from_millis(900), "{closed:?}");

    // Slowloris: one byte of the head every 300 ms, never ending it.
    let mut slow = TcpStream::connect(addr).unwrap();
    let trickle = {
        let mut writer = slow.try_clone().unwrap();
        std::thread::spawn(move || {
            for byte in b"GET /hello HTTP/1.1\r\nhost: x\r\nx-slow: ".iter().cycle() {
                if writer.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    let (got, closed) = read_until_closed(&mut slow, bound);
    assert!(closed.is_some(), "a trickling head is closed");
    assert!(
        got.is_empty(),
        "it got no answer: {:?}",
        String::from_utf8_lossy(&got)
    );
    trickle.join().unwrap();

    // Kept alive after a request, then idle.
    let mut idle = TcpStream::connect(addr).unwrap();
    write!(idle, "GET /hello HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    let (got, closed) = read_until_closed(&mut idle, bound);
    let closed = closed.expect("an idle kept-alive connection is closed");
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    assert!(closed >= Duration::from_millis(1900), "{closed:?}");

    // Asks for a large echo and never reads it: the response's writes wait, then it is
    // closed.
    let mut deaf = TcpStream::connect(addr).unwrap();
    let body = vec![b'x'; 64 << 20];
    write!(
        deaf,
        "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    deaf.set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let sent = Instant::now();
    // Writing stops when both sides' buffers are full, then fails once the server closes.
    let _ = deaf.write_all(&body);
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "the deaf client was not closed"
    );

    // Six connections held open, the seventh refused at once.
    let held: Vec<TcpStream> = (0..6).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut seventh = TcpStream::connect(addr).unwrap();
    let (got, closed) = read_until_closed(&mut seventh, Duration::from_secs(2));
    assert!(closed.is_some(), "the connection beyond the cap is closed");
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    assert!(got.contains("too many open connections"), "{got}");
    drop(held);
    // Once they are gone (closed by the client, or by the header timeout), it answers.
    server.wait_for("a free connection", Duration::from_secs(5), &|| {
        status_of(addr, "/hello") == 200
    });

    for line in [
        "no complete request head within 1s (--header-timeout)",
        "idle for 2s between requests (--keep-alive-timeout)",
        "the client took no bytes of the response for 1s (--idle-timeout)",
        // How many were refused depends on how soon the held ones are seen closed: the
        // polling above may be refused once more.
        "connection(s) with 503: 6 open (--max-connections)",
    ] {
        server.logged(line);
    }
}

/// `serve --explain` says what each component gets, as `run --explain` does, and the
/// server's own bounds with their defaults.
#[test]
fn serve_explain_names_each_components_capabilities_and_the_servers_bounds() {
    let project = copy_example("http-rust-go");
    let explained = compose_in(project.path(), &["serve", "--explain"])
        .ok()
        .stdout;
    for line in [
        "each request: granted nothing",
        "timeout 1m",
        "at most 1024 open (--max-connections); a request's head within 30s (--header-timeout); idle between requests at most 1m 15s (--keep-alive-timeout)",
        "each component:",
        "app: what the run grants (the root)",
        "greeter: no directories; no environment; no network",
    ] {
        assert!(explained.contains(line), "lacks {line:?}:\n{explained}");
    }
    assert!(
        !project.path().join("target").exists(),
        "--explain builds nothing"
    );
}

/// A client that leaves before its answer frees what it held: the guest is stopped (logged
/// 499) and its slot serves the next request at once, not when the guest would have ended.
#[test]
fn a_client_that_leaves_before_its_answer_frees_the_guests_slot() {
    let server = Server::compose(
        served_file(),
        &["--max-concurrency", "1", "--max-queue", "4"],
    );
    let mut leaving = TcpStream::connect(server.addr).unwrap();
    write!(leaving, "GET /sleep?ms=20000 HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop(leaving);
    let asked = Instant::now();
    let hello = server.get("/hello?name=Ada");
    let took = asked.elapsed();
    assert_eq!(hello.status, 200, "{}", hello.text());
    assert!(
        took < Duration::from_secs(5),
        "the next request waited {took:?} for a guest whose client had left"
    );
    let log = server.logged("GET /sleep?ms=20000 499");
    assert!(
        log.contains("the client closed the connection before the response"),
        "{log}"
    );
}
