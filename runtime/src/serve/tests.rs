//! The server in process, with components made from the WIT the runtime embeds: a trapping
//! handler fails only its request, a non-handler is refused, a port in use is an error.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::{Grants, Limits, RunError, Runtime};

/// A `wasi:http/proxy` component whose handler traps (`unreachable`), made from the WIT the
/// runtime embeds.
fn trapping_handler() -> Vec<u8> {
    proxy_component(None)
}

/// A `wasi:http/proxy` component whose handler loops forever without calling the host.
fn spinning_handler() -> Vec<u8> {
    let module = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "wasi:http/incoming-handler@0.2.12#handle") (param i32 i32)
                (loop $forever (br $forever)))
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) unreachable))"#,
    )
    .unwrap();
    proxy_component(Some(module))
}

/// A proxy component of `module` (the dummy module of the world, whose functions trap, when
/// `None`).
fn proxy_component(module: Option<Vec<u8>>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deps")).unwrap();
    for (name, text) in crate::WASI_WIT {
        std::fs::write(dir.path().join("deps").join(name), text).unwrap();
    }
    std::fs::write(
        dir.path().join("world.wit"),
        "package test:served;\nworld handler { include wasi:http/proxy@0.2.12; }\n",
    )
    .unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(dir.path()).unwrap();
    let world = resolve.select_world(&[package], Some("handler")).unwrap();
    let mut module = module.unwrap_or_else(|| {
        wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32)
    });
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

fn config(limits: Limits, max_concurrency: usize, shutdown_grace: Duration) -> ServeConfig {
    ServeConfig {
        grants: Grants::default(),
        limits,
        allow_http: Vec::new(),
        max_concurrency,
        max_queue: max_concurrency,
        requests_per_instance: 1,
        shutdown_grace,
        connections: ConnectionLimits::default(),
    }
}

/// Serves `component` on a free port from a thread: its address, its reloader, the events
/// it reported (as debug text), and the thread (joined: how `run` ended).
type Serving = (
    SocketAddr,
    Reloader,
    Arc<Mutex<Vec<String>>>,
    std::thread::JoinHandle<Result<(), RunError>>,
);

fn serve(component: &[u8], config: ServeConfig) -> Serving {
    let runtime = Runtime::with_allocation(
        None,
        &config.limits,
        crate::Allocation::Pooled {
            instances: config.max_concurrency as u32,
            shape: crate::Shape::ANY,
        },
    )
    .unwrap();
    let loaded = runtime.load("served", component).unwrap();
    let handler = runtime.handler(&loaded).unwrap();
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), handler, config).unwrap();
    let addr = server.local_addr();
    let reloader = server.reloader();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let events = seen.clone();
    let serving = std::thread::spawn(move || {
        server.run(move |e| events.lock().unwrap().push(format!("{e:?}")))
    });
    (addr, reloader, seen, serving)
}

fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn a_trapping_handler_fails_its_request_and_the_server_goes_on_until_stopped() {
    let limits = Limits::default();
    let runtime = Runtime::new(None, &limits).unwrap();
    let loaded = runtime.load("trapper", &trapping_handler()).unwrap();
    let handler = runtime.handler(&loaded).unwrap();
    let config = config(limits, 2, Duration::from_secs(5));
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), handler, config).unwrap();
    let addr = server.local_addr();
    let reloader = server.reloader();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let events = seen.clone();
    let serving = std::thread::spawn(move || {
        server.run(move |e| events.lock().unwrap().push(format!("{e:?}")))
    });
    for _ in 0..2 {
        let answer = get(addr, "/any");
        assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
        assert!(answer.ends_with("the handler trapped\n"), "{answer}");
    }
    reloader.stop();
    serving.join().unwrap().unwrap();
    let seen = seen.lock().unwrap().join("\n");
    assert!(seen.contains("status: 500"), "{seen}");
    assert!(seen.contains("trapped: wasm `unreachable`"), "{seen}");
    assert!(seen.contains("Stopped { unfinished: 0 }"), "{seen}");
}

#[test]
fn a_component_that_is_no_handler_is_refused_naming_its_exports() {
    let bytes = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func (export "f") (result u32) (canon lift (core func $i "f"))))"#,
    )
    .unwrap();
    let runtime = Runtime::new(None, &Limits::default()).unwrap();
    let loaded = runtime.load("lib", &bytes).unwrap();
    let err = runtime.handler(&loaded).err().expect("refused");
    assert!(
        matches!(&err, RunError::NotAnHttpHandler { exports, .. } if exports == &["f"]),
        "{err}"
    );
}

#[test]
fn a_port_in_use_is_refused_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let runtime = Runtime::new(None, &Limits::default()).unwrap();
    let loaded = runtime.load("trapper", &trapping_handler()).unwrap();
    let config = config(Limits::default(), 1, Duration::from_secs(1));
    let err = Server::bind(
        taken.local_addr().unwrap(),
        runtime.handler(&loaded).unwrap(),
        config,
    )
    .err()
    .expect("refused");
    assert!(
        matches!(&err, RunError::Bind { help, .. } if help.contains("pick another port")),
        "{err}"
    );
}

/// More spinning requests than the guests' executor has threads: each still ends at its
/// deadline with 504, because the deadline does not need a thread a guest can occupy.
#[test]
fn more_spinning_requests_than_threads_each_end_at_their_deadline() {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spinners = threads + 2;
    let limits = Limits {
        timeout: Some(Duration::from_millis(500)),
        ..Limits::default()
    };
    let (addr, reloader, seen, serving) = serve(
        &spinning_handler(),
        config(limits, spinners, Duration::from_secs(5)),
    );
    let started = std::time::Instant::now();
    let asked: Vec<_> = (0..spinners)
        .map(|_| std::thread::spawn(move || get(addr, "/spin")))
        .collect();
    for answer in asked {
        let answer = answer.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "{spinners} spinners took {took:?}"
    );
    reloader.stop();
    serving.join().unwrap().unwrap();
    let seen = seen.lock().unwrap().join("\n");
    assert_eq!(seen.matches("status: 504").count(), spinners, "{seen}");
}

/// A guest that spins with no time limit is stopped once the shutdown's grace period ends:
/// the server returns, and the request is logged as stopped.
#[test]
fn a_spinning_guest_without_a_timeout_does_not_hold_the_shutdown() {
    let (addr, reloader, seen, serving) = serve(
        &spinning_handler(),
        config(Limits::default(), 2, Duration::from_millis(200)),
    );
    let asked = std::thread::spawn(move || get(addr, "/spin"));
    let wait = std::time::Instant::now();
    while !seen.lock().unwrap().is_empty() && wait.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Let the request start spinning.
    std::thread::sleep(Duration::from_millis(300));
    let stopping = std::time::Instant::now();
    reloader.stop();
    serving.join().unwrap().unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(3),
        "the shutdown took {:?}",
        stopping.elapsed()
    );
    let answer = asked.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    let seen = seen.lock().unwrap().join("\n");
    assert!(seen.contains("Stopped { unfinished: 1 }"), "{seen}");
    assert!(
        seen.contains("the server shut down before it finished"),
        "{seen}"
    );
}
