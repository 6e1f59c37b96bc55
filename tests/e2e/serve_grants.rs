//! Outgoing HTTP confined per component (tests/fixtures/http-grants): a library that fetches
//! reaches only the hosts in its `grants = { http = [...] }`, none by default, while the root
//! keeps what `--allow-http` grants the handler; enforced in the composed file, so the same
//! holds under the reference `wasmtime serve`, which lets every request out.

use std::process::Command;

use crate::serve::{upstream, Server};
use crate::support::*;

fn serve(project: &std::path::Path, allow: &[String]) -> Server {
    let mut cmd = compose();
    cmd.env("CARGO_TARGET_DIR", guest_target(project))
        .args(["serve", "--addr", "127.0.0.1:0", "--manifest-path"])
        .arg(project.join("compose.toml"));
    for host in allow {
        cmd.args(["--allow-http", host]);
    }
    Server::start(cmd)
}

#[test]
fn a_library_reaches_only_the_http_hosts_it_was_granted_also_under_wasmtime_serve() {
    let granted = upstream("granted").to_string();
    let other = upstream("other").to_string();
    let project = copy_fixture("http-grants");
    let dir = project.path();
    let allow = [granted.clone(), other.clone()];

    // Nothing granted to the library: the root fetches, the library is refused.
    let server = serve(dir, &allow);
    let direct = server.get(&format!("/direct?host={granted}"));
    assert_eq!(direct.text(), format!("{granted} answered 200: granted"));
    let lib = server.get(&format!("/lib?host={granted}"));
    assert!(lib.text().contains("HttpRequestDenied"), "{}", lib.text());
    drop(server);

    // One host granted to the library, with its port.
    edit(
        &dir.join("compose.toml"),
        "world = \"fetcher-lib\"\n",
        &format!("world = \"fetcher-lib\"\ngrants = {{ http = [\"{granted}\"] }}\n"),
    );
    let explained = compose_in(dir, &["serve", "--explain"]).ok().stdout;
    assert!(
        explained.contains(&format!(
            "fetcher: no directories; no environment; no network; outgoing HTTP to {granted};"
        )),
        "{explained}"
    );
    let server = serve(dir, &allow);
    let lib = server.get(&format!("/lib?host={granted}"));
    assert_eq!(lib.text(), format!("{granted} answered 200: granted"));
    let lib = server.get(&format!("/lib?host={other}"));
    assert!(lib.text().contains("HttpRequestDenied"), "{}", lib.text());
    // An authority that names the granted host but goes elsewhere is not the host.
    let sneaky = format!("{granted}@{other}");
    let lib = server.get(&format!("/lib?host={sneaky}"));
    assert!(!lib.text().contains("answered"), "{}", lib.text());
    let direct = server.get(&format!("/direct?host={other}"));
    assert_eq!(direct.text(), format!("{other} answered 200: other"));
    drop(server);

    // The composed file under `wasmtime serve`, which grants every outgoing request.
    let wasmtime = std::env::var("COMPOSE_REFERENCE_WASMTIME").expect(
        "COMPOSE_REFERENCE_WASMTIME names the reference Wasmtime CLI (scripts/test.sh sets it)",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(wasmtime);
    cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}"), "-S", "cli"])
        .arg(dir.join("target/compose/dev/http-grants.wasm"));
    let reference = Server::start(cmd);
    let lib = reference.get(&format!("/lib?host={other}"));
    assert!(lib.text().contains("HttpRequestDenied"), "{}", lib.text());
    let lib = reference.get(&format!("/lib?host={granted}"));
    assert_eq!(lib.text(), format!("{granted} answered 200: granted"));
    let direct = reference.get(&format!("/direct?host={other}"));
    assert_eq!(direct.text(), format!("{other} answered 200: other"));
}
