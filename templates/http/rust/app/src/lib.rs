//! The HTTP handler: `GET /` and `GET /hello?name=NAME` (answered by the greeter); anything
//! else is a 404.

wit_bindgen::generate!({ path: "../wit", world: "handler", generate_all });

use exports::wasi::http::incoming_handler::Guest;
use local::{{snake}}::greeter::greet;
use wasi::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

struct Handler;

impl Guest for Handler {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        match (request.method(), path) {
            (Method::Get, "/") => respond(out, 200, "{{name}}: try /hello?name=you\n"),
            (Method::Get, "/hello") => {
                let name = query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("name="))
                    .map_or_else(|| "world".to_string(), decode);
                respond(out, 200, &format!("{}\n", greet(&name)))
            }
            _ => respond(out, 404, &format!("no route for {path}\n")),
        }
    }
}

/// A query value with `+` and `%XX` decoded.
fn decode(value: &str) -> String {
    let mut bytes = Vec::with_capacity(value.len());
    let mut rest = value.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                bytes.push(byte);
                rest = &tail[2..];
                continue;
            }
            (b'+', _) => bytes.push(b' '),
            _ => bytes.push(b),
        }
        rest = tail;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn respond(out: ResponseOutparam, status: u16, text: &str) {
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let body = response.body().expect("a new response has a body");
    ResponseOutparam::set(out, Ok(response));
    let stream = body.write().expect("a body has one stream");
    // `blocking-write-and-flush` takes at most 4096 bytes at a time.
    for chunk in text.as_bytes().chunks(4096) {
        stream.blocking_write_and_flush(chunk).expect("the client reads the answer");
    }
    drop(stream);
    OutgoingBody::finish(body, None).expect("the body is complete");
}

export!(Handler);
