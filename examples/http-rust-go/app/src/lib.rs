//! An HTTP handler (`wasi:http/incoming-handler`) in Rust that greets through a Go library.
//!
//! Routes: `GET /hello?name=NAME` (the Go greeter's answer), `POST /echo` (the request body
//! streamed back), `GET /headers` (the `x-name` request header, echoed in `x-echo`),
//! `GET /count` (a counter in the instance's memory: 1 in a fresh instance), `GET /sleep?ms=N`,
//! `GET /trap`, `GET /spin` (loops forever, as a hostile handler would: `--timeout` ends it),
//! `GET /grow?mib=N` (allocates N MiB), `GET /fetch?host=HOST[:PORT]` (an outgoing request,
//! denied unless granted); anything else is a 404.

wit_bindgen::generate!({ path: "../wit", world: "handler", generate_all });

use std::sync::atomic::{AtomicU32, Ordering};

use demo::greet::greeter::{greet, Person};
use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// Requests this instance has served: a fresh instance per request always says 1.
static SERVED: AtomicU32 = AtomicU32::new(0);

struct Handler;

impl Guest for Handler {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let served = SERVED.fetch_add(1, Ordering::SeqCst) + 1;
        let path_and_query = request.path_with_query().unwrap_or_default();
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query.as_str(), ""));
        match (request.method(), path) {
            (Method::Get, "/hello") => {
                let name = param(query, "name").unwrap_or_else(|| "world".into());
                let greeting = greet(&Person {
                    name,
                    languages: vec!["Rust".into(), "Go".into()],
                });
                respond(out, 200, &[], greeting.text.as_bytes());
            }
            (Method::Post, "/echo") => echo(request, out),
            (Method::Get, "/headers") => {
                let name = request
                    .headers()
                    .get("x-name")
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                let text = format!("x-name: {}", String::from_utf8_lossy(&name));
                respond(out, 200, &[("x-echo", &name)], text.as_bytes());
            }
            (Method::Get, "/count") => respond(out, 200, &[], served.to_string().as_bytes()),
            (Method::Get, "/sleep") => {
                let ms = param(query, "ms").and_then(|m| m.parse().ok()).unwrap_or(100);
                std::thread::sleep(std::time::Duration::from_millis(ms));
                respond(out, 200, &[], format!("slept {ms} ms").as_bytes());
            }
            (Method::Get, "/trap") => panic!("the /trap route traps, as asked"),
            (Method::Get, "/spin") => {
                // Never returns and never calls the host: only the server's deadline ends it.
                let mut turns = 0u64;
                loop {
                    turns = std::hint::black_box(turns.wrapping_add(1));
                }
            }
            (Method::Get, "/grow") => {
                let mib: usize = param(query, "mib").and_then(|m| m.parse().ok()).unwrap_or(256);
                let mut block = vec![0u8; mib << 20];
                // Touch every page, so the memory is really taken.
                for page in block.chunks_mut(64 << 10) {
                    page[0] = 1;
                }
                let sum: usize = block.iter().step_by(64 << 10).map(|&b| b as usize).sum();
                respond(out, 200, &[], format!("grew {sum} pages").as_bytes());
            }
            (Method::Get, "/fetch") => {
                let host = param(query, "host").unwrap_or_else(|| "example.com".into());
                match fetch(&host) {
                    Ok((status, body)) => {
                        let text = format!("{host} answered {status}: {body}");
                        respond(out, 200, &[], text.as_bytes())
                    }
                    Err(why) => respond(out, 502, &[], format!("{host}: {why}").as_bytes()),
                }
            }
            _ => respond(out, 404, &[], format!("no route for {path}").as_bytes()),
        }
    }
}

/// `GET http://HOST/` through `wasi:http/outgoing-handler`: its status and body, or the
/// error the host gave (`HttpRequestDenied` unless the server granted the host).
fn fetch(host: &str) -> Result<(u16, String), String> {
    use wasi::http::outgoing_handler;
    use wasi::http::types::{OutgoingRequest, Scheme};
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(host));
    let _ = request.set_path_with_query(Some("/"));
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => return Err(format!("{e:?}")),
        _ => return Err("no response".into()),
    };
    let status = response.status();
    let body = response.consume().map_err(|()| "no body".to_string())?;
    let stream = body.stream().map_err(|()| "no body stream".to_string())?;
    let mut text = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 << 10) {
        text.extend(chunk);
    }
    Ok((status, String::from_utf8_lossy(&text).into_owned()))
}

/// The value of `key` in a query string (no percent-decoding beyond `+`).
fn param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace('+', " "))
    })
}

/// Sends a whole response.
fn respond(out: ResponseOutparam, status: u16, headers: &[(&str, &[u8])], body: &[u8]) {
    let fields = Fields::new();
    let _ = fields.append("content-type", b"text/plain; charset=utf-8");
    for (name, value) in headers {
        let _ = fields.append(name, value);
    }
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let outgoing = response.body().expect("a new response has a body");
    ResponseOutparam::set(out, Ok(response));
    let stream = outgoing.write().expect("a body has one stream");
    write_all(&stream, body);
    drop(stream);
    OutgoingBody::finish(outgoing, None).expect("the body is complete");
}

/// Streams the request body back as it arrives, in chunks.
fn echo(request: IncomingRequest, out: ResponseOutparam) {
    let incoming = request.consume().expect("a request body is consumed once");
    let input = incoming.stream().expect("a body has one stream");
    let fields = Fields::new();
    let _ = fields.append("content-type", b"application/octet-stream");
    let response = OutgoingResponse::new(fields);
    let outgoing = response.body().expect("a new response has a body");
    ResponseOutparam::set(out, Ok(response));
    let output = outgoing.write().expect("a body has one stream");
    // Ends with the stream's `closed` error when the request body is over.
    while let Ok(chunk) = input.blocking_read(64 << 10) {
        write_all(&output, &chunk);
    }
    drop(output);
    drop(input);
    OutgoingBody::finish(outgoing, None).expect("the body is complete");
}

fn write_all(stream: &wasi::io::streams::OutputStream, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // `blocking-write-and-flush` takes at most 4096 bytes at a time.
        let (now, rest) = bytes.split_at(bytes.len().min(4096));
        stream
            .blocking_write_and_flush(now)
            .expect("the client reads the response");
        bytes = rest;
    }
}

export!(Handler);
