//! The HTTP handler (WASI 0.3): `GET /` and `GET /hello?name=NAME` (answered by the greeter);
//! anything else is a 404. `handle` returns the response at once; its body is written
//! afterwards by a task of its own.

wit_bindgen::generate!({ path: "../wit", world: "handler", generate_all });

use exports::wasi::http::handler::Guest;
use local::{{snake}}::greeter::greet;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};

struct Handler;

impl Guest for Handler {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let target = request.get_path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let (status, text) = match (request.get_method(), path) {
            (Method::Get, "/") => (200, "{{name}}: try /hello?name=you\n".to_string()),
            (Method::Get, "/hello") => {
                let name = query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("name="))
                    .map_or_else(|| "world".to_string(), decode);
                (200, format!("{}\n", greet(&name)))
            }
            _ => (404, format!("no route for {path}\n")),
        };
        respond(status, text)
    }
}

/// A response whose body is streamed by a task that outlives `handle`.
fn respond(status: u16, text: String) -> Result<Response, ErrorCode> {
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let (mut body, contents) = wit_stream::new();
    let (trailers, no_trailers) = wit_future::new(|| Ok(None));
    let (response, _sent) = Response::new(headers, Some(contents), no_trailers);
    let _ = response.set_status_code(status);
    wit_bindgen::spawn_local(async move {
        // What the client did not take is dropped with it.
        let _ = body.write_all(text.into_bytes()).await;
        drop(body);
        drop(trailers);
    });
    Ok(response)
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

export!(Handler);
