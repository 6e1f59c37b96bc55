//! What a client is sent when the handler could not answer, and how a failure is said in the
//! access log.

use std::convert::Infallible;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::{LimitKind, RunError};

/// The status a failed request gets: 504 when it ran out of time, 503 when the server
/// stopped it, 499 (logged only) when its client left first, 500 otherwise.
pub(super) fn failure_status(e: &RunError) -> StatusCode {
    match e {
        RunError::Limit {
            kind: LimitKind::Timeout,
            ..
        } => StatusCode::GATEWAY_TIMEOUT,
        RunError::Stopped { .. } => StatusCode::SERVICE_UNAVAILABLE,
        // nginx's "client closed request": never sent, only logged.
        RunError::ClientGone { .. } => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A failure in one line for the access log: a trap's cause without its backtrace (the
/// guest's own message, a panic's, went to stderr as it happened).
pub(super) fn one_line(e: &RunError) -> String {
    match e {
        RunError::Trap { message, .. } => {
            let cause = message
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("a trap");
            format!("trapped: {}", cause.trim_start_matches("wasm trap: "))
        }
        other => other.to_string(),
    }
}

/// What the client is told about a failure (the log has the details).
pub(super) fn client_reason(e: &RunError) -> String {
    match e {
        RunError::Limit { kind, .. } => format!("the handler hit its {kind}"),
        RunError::Trap { .. } => "the handler trapped".into(),
        RunError::Stopped { .. } => "the server is stopping".into(),
        _ => "the handler failed".into(),
    }
}

/// A short plain-text response.
pub(super) fn plain(status: StatusCode, message: &str) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(format!("{message}\n")))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The bytes sent on a connection refused for `--max-connections`, before it is closed.
pub(super) const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 45\r\nconnection: close\r\n\r\nthe server has too many open connections now\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_announces_its_own_length() {
        let text = std::str::from_utf8(TOO_MANY_CONNECTIONS).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}
