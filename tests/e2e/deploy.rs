//! `compose deploy` to a real wasmCloud lattice started here: NATS and two `wash host`s on
//! 127.0.0.1 (installed by `scripts/wasmcloud.sh`, found through `COMPOSE_WASH` and
//! `COMPOSE_NATS_SERVER`), and the registry of the tests. The example HTTP service is
//! deployed on both hosts, answers on both, is rolled out to a new version under load with no
//! failed request, and keeps answering when a host is stopped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::registry_server::{free_port, RegistryServer};
use crate::support::*;

const HTTP_HOST: &str = "hello.local";

/// A program the test suite installs, named by an environment variable of `scripts/test.sh`.
fn engine_program(var: &str) -> PathBuf {
    let path = std::env::var_os(var).unwrap_or_else(|| {
        panic!("{var} is not set: run the tests through scripts/test.sh, which installs wasmCloud's host and NATS (scripts/wasmcloud.sh)")
    });
    PathBuf::from(path)
}

/// NATS and wasmCloud hosts, each a process of its own, stopped when dropped.
struct Lattice {
    dir: tempfile::TempDir,
    nats: Child,
    nats_url: String,
    hosts: Vec<(Child, SocketAddr)>,
}

impl Lattice {
    fn start(hosts: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let nats = Command::new(engine_program("COMPOSE_NATS_SERVER"))
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        let nats_addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        wait_until_listening(nats_addr, "nats-server");
        let mut lattice = Lattice {
            nats_url: format!("nats://{nats_addr}"),
            dir,
            nats,
            hosts: Vec::new(),
        };
        for i in 0..hosts {
            lattice.start_host(i);
        }
        lattice
    }

    fn start_host(&mut self, i: usize) {
        let home = self.dir.path().join(format!("host{i}"));
        std::fs::create_dir_all(&home).unwrap();
        let http: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::File::create(home.join("host.log")).unwrap();
        let child = Command::new(engine_program("COMPOSE_WASH"))
            .args(["host", "--scheduler-nats-url", &self.nats_url])
            .args(["--data-nats-url", &self.nats_url])
            .args(["--http-addr", &http.to_string()])
            .args(["--host-name", &format!("host{i}")])
            .arg("--allow-insecure-registries")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start wash host");
        wait_until_listening(http, "wash host");
        self.hosts.push((child, http));
    }

    fn http(&self, i: usize) -> SocketAddr {
        self.hosts[i].1
    }

    fn stop_host(&mut self, i: usize) {
        let child = &mut self.hosts[i].0;
        child.kill().ok();
        child.wait().ok();
    }

    /// Freezes a host (SIGSTOP): it keeps its connections and answers nothing.
    fn freeze_host(&self, i: usize) {
        let pid = self.hosts[i].0.id().to_string();
        let stopped = Command::new("kill").args(["-STOP", &pid]).status().unwrap();
        assert!(stopped.success());
    }

    fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("host{i}/host.log")))
            .unwrap_or_default()
    }
}

impl Drop for Lattice {
    fn drop(&mut self) {
        for (child, _) in &mut self.hosts {
            child.kill().ok();
            child.wait().ok();
        }
        self.nats.kill().ok();
        self.nats.wait().ok();
    }
}

fn wait_until_listening(addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(addr).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on {addr} within 60 s");
}

/// `GET path` with `Host: host` on `addr`: the status and body, or why it failed.
fn get(addr: SocketAddr, host: &str, path: &str) -> Result<(u16, String), String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {text:?}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Sends requests to every address in turn until stopped: how many, and each failure.
fn load(
    addrs: Vec<SocketAddr>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(usize, Vec<String>)> {
    std::thread::spawn(move || {
        let mut sent = 0;
        let mut failures = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            for addr in &addrs {
                sent += 1;
                match get(*addr, HTTP_HOST, "/hello") {
                    Ok((200, body)) if body.contains("Hello, world!") => {}
                    other => failures.push(format!("{addr}: {other:?}")),
                }
            }
        }
        (sent, failures)
    })
}

/// `compose deploy` of `project` to `lattice`, waiting for two hosts.
fn deploy(project: &Path, lattice: &Lattice, registry: &RegistryServer, extra: &[&str]) -> Run {
    deploy_to(project, lattice, registry, "2", extra)
}

fn deploy_to(
    project: &Path,
    lattice: &Lattice,
    registry: &RegistryServer,
    hosts: &str,
    extra: &[&str],
) -> Run {
    let image = format!("{}/compose/hello", registry.addr);
    let mut args = vec![
        "deploy",
        "--image",
        &image,
        "--http-host",
        HTTP_HOST,
        "--nats",
        &lattice.nats_url,
        "--hosts",
        hosts,
    ];
    args.extend_from_slice(extra);
    compose_in(project, &args)
}

#[test]
fn a_service_deployed_to_two_wasmcloud_hosts_answers_on_both_rolls_out_without_a_failed_request_and_outlives_a_frozen_or_dead_host(
) {
    let registry = RegistryServer::open();
    let mut lattice = Lattice::start(2);
    let project = copy_example("http-rust-go");
    let dir = project.path();
    // Guests of its own: another copy of the example building at the same time in a shared
    // target folder would change the bytes between two deploys (its paths are in them).
    std::fs::write(dir.join(".e2e-source"), "deploy-http-rust-go").unwrap();

    // What would be applied: the host's own workload, with nothing published or started.
    let dry = compose_in(
        dir,
        &[
            "deploy",
            "--dry-run",
            "--image",
            &format!("{}/compose/hello", registry.addr),
            "--http-host",
            HTTP_HOST,
            "--env",
            "GREETING=hi",
            "--allow-http",
            "api.example.com",
        ],
    )
    .ok();
    let workload: serde_json::Value =
        serde_json::from_str(&dry.stdout[dry.stdout.find('{').expect("a JSON document")..])
            .unwrap();
    let component = &workload["workload"]["witWorld"]["components"][0];
    assert_eq!(component["localResources"]["environment"]["GREETING"], "hi");
    assert_eq!(
        component["localResources"]["allowedHosts"][0],
        "api.example.com"
    );
    let interface = &workload["workload"]["witWorld"]["hostInterfaces"][0];
    assert_eq!(interface["interfaces"][0], "incoming-handler");
    assert_eq!(interface["config"]["host"], HTTP_HOST);
    assert!(get(lattice.http(0), HTTP_HOST, "/hello").is_ok_and(|(s, _)| s == 404));

    // A grant the engine would not enforce is refused before anything is published.
    let refused = deploy(dir, &lattice, &registry, &["--dir", "/tmp::/data"]).fails();
    assert!(
        refused
            .stderr
            .contains("wasmCloud cannot enforce the read-only directory `/data`"),
        "{refused}"
    );
    assert!(!refused.stderr.contains("Published"), "{refused}");
    // wasmCloud takes a memory limit and does not hold it: refused too, with that said.
    let memory = deploy(dir, &lattice, &registry, &["--max-memory", "16MiB"]).fails();
    assert!(
        memory
            .stderr
            .contains("wasmCloud cannot enforce a memory limit"),
        "{memory}"
    );
    assert!(memory.stderr.contains("not enforced"), "{memory}");

    // No engine at the address: said before anything is published.
    let port = free_port();
    let nats = format!("nats://127.0.0.1:{port}");
    let down = compose_in(
        dir,
        &[
            "deploy",
            "--image",
            &format!("{}/compose/hello", registry.addr),
            "--http-host",
            HTTP_HOST,
            "--nats",
            &nats,
        ],
    )
    .fails();
    assert!(
        down.stderr
            .contains(&format!("NATS at {nats}: cannot connect")),
        "{down}"
    );
    assert!(down.stderr.contains("--nats"), "{down}");
    assert!(!down.stderr.contains("Published"), "{down}");

    // Deployed on both hosts: each answers, by the host name it routes.
    let first = deploy(dir, &lattice, &registry, &[]).ok();
    assert_eq!(first.stderr.matches("Started").count(), 2, "{first}");
    for i in 0..2 {
        let (status, body) = get(lattice.http(i), HTTP_HOST, "/hello").unwrap();
        assert_eq!(status, 200, "host {i}: {body}\n{}", lattice.log(i));
        assert!(body.contains("Greetings from Go"), "host {i}: {body}");
    }
    // The same bytes again: nothing to start, the hosts found from the last deploy at once.
    let again = deploy(dir, &lattice, &registry, &["--message-format", "json"]).ok();
    assert_eq!(again.stderr.matches("(already)").count(), 2, "{again}");
    let messages: Vec<serde_json::Value> = again
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let started: Vec<_> = messages
        .iter()
        .filter(|m| m["type"] == "deploy-started")
        .collect();
    assert_eq!(started.len(), 2, "{again}");
    assert!(started.iter().all(|m| m["started"] == false), "{again}");
    let deployed = messages.last().unwrap();
    assert_eq!(deployed["type"], "deployed", "{again}");
    assert_eq!(deployed["hosts"], 2, "{again}");
    assert!(
        deployed["image"].as_str().unwrap().contains("@sha256:"),
        "{again}"
    );
    // Outgoing HTTP is the engine's to refuse, unless granted; a grant changed is a new
    // version, started and routed on each host before the old one is stopped.
    let upstream = crate::serve::upstream("from upstream");
    let fetch = format!("/fetch?host={upstream}");
    let (status, body) = get(lattice.http(0), HTTP_HOST, &fetch).unwrap();
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("HttpRequestDenied"), "{body}");
    let upstream_grant = upstream.to_string();
    let granted = deploy(dir, &lattice, &registry, &["--allow-http", &upstream_grant]).ok();
    assert_eq!(
        granted.stderr.matches("(the previous version)").count(),
        2,
        "{granted}"
    );
    for i in 0..2 {
        let (status, body) = get(lattice.http(i), HTTP_HOST, &fetch).unwrap();
        assert_eq!(status, 200, "host {i}: {body}");
        assert!(body.contains("from upstream"), "host {i}: {body}");
    }
    let (status, body) = get(
        lattice.http(1),
        HTTP_HOST,
        &format!("/fetch?host=localhost:{}", upstream.port()),
    )
    .unwrap();
    assert!(
        status == 502 && body.contains("HttpRequestDenied"),
        "{status} {body}"
    );

    // A new version rolled out while both hosts are asked without pause.
    let greeter = dir.join("greeter/export_demo_greet_greeter/greeter.go");
    let source = std::fs::read_to_string(&greeter).unwrap();
    std::fs::write(
        &greeter,
        source.replace("Greetings from Go", "Greetings from Go, version 2"),
    )
    .unwrap();
    compose_in(dir, &["build"]).ok();
    let stop = Arc::new(AtomicBool::new(false));
    let loader = load(vec![lattice.http(0), lattice.http(1)], stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    let rolled = deploy(dir, &lattice, &registry, &[]).ok();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let (sent, failures) = loader.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {sent} failed, the first: {:?}\n{rolled}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        sent > 20,
        "only {sent} requests were sent during the rollout"
    );
    assert_eq!(
        rolled.stderr.matches("(the previous version)").count(),
        2,
        "{rolled}"
    );
    for i in 0..2 {
        let (_, body) = get(lattice.http(i), HTTP_HOST, "/hello").unwrap();
        assert!(body.contains("version 2"), "host {i} still serves: {body}");
    }

    // A host that is heard but answers nothing (a heartbeat sent by someone else on the
    // lattice): the real hosts are still placed, the deploy fails naming the one that did not.
    let nats_addr = lattice.nats_url.trim_start_matches("nats://").to_string();
    let done = Arc::new(AtomicBool::new(false));
    let beats = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut nats = TcpStream::connect(&nats_addr).unwrap();
            nats.write_all(b"CONNECT {}\r\n").unwrap();
            let beat = r#"{"id":"no-such-host","hostname":"phantom","version":"2.10.3"}"#;
            let frame = format!(
                "PUB runtime.operator.heartbeat.no-such-host {}\r\n{beat}\r\n",
                beat.len()
            );
            while !done.load(Ordering::Relaxed) {
                if nats.write_all(frame.as_bytes()).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let phantom = deploy_to(dir, &lattice, &registry, "3", &[]).fails();
    done.store(true, Ordering::Relaxed);
    beats.join().unwrap();
    assert!(phantom.stderr.contains("Found host phantom"), "{phantom}");
    assert_eq!(phantom.stderr.matches("(already)").count(), 2, "{phantom}");
    assert!(phantom.stderr.contains("host 1 of 3"), "{phantom}");
    assert!(
        phantom
            .stderr
            .contains("phantom: host phantom (no-such-host): is gone"),
        "{phantom}"
    );

    // One host frozen: the other still answers, and a deploy passes over the host that does
    // not answer (within seconds) to place the service on the one that is up.
    lattice.freeze_host(0);
    let (status, body) = get(lattice.http(1), HTTP_HOST, "/hello").unwrap();
    assert_eq!(status, 200, "{body}");
    let survivor = deploy_to(dir, &lattice, &registry, "1", &[]).ok();
    assert!(survivor.stderr.contains("on host1 (already)"), "{survivor}");
    assert!(!survivor.stderr.contains("host0"), "{survivor}");
    // Then gone for good: refused at once, and still passed over.
    lattice.stop_host(0);
    assert!(get(lattice.http(0), HTTP_HOST, "/hello").is_err());
    let survivor = deploy_to(dir, &lattice, &registry, "1", &[]).ok();
    assert!(survivor.stderr.contains("on host1 (already)"), "{survivor}");
    let (status, body) = get(lattice.http(1), HTTP_HOST, "/hello").unwrap();
    assert_eq!(status, 200, "{body}");
}

#[test]
fn deploy_says_what_it_needs_and_where_to_write_it() {
    let project = copy_example("http-rust-go");
    let no_image = compose_in(project.path(), &["deploy", "--http-host", HTTP_HOST]).fails();
    assert!(
        no_image.stderr.contains("compose deploy needs `--image`"),
        "{no_image}"
    );
    assert!(no_image.stderr.contains("[deploy]"), "{no_image}");
}
