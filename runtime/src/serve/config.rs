//! What a server is told (its configuration) and what it tells (its events).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::HttpRule;
use crate::{Grants, Limits};

/// How a server runs its requests and bounds its connections.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// What each request's instance may touch (directories, environment, ...).
    pub grants: Grants,
    /// What each request may consume; `timeout` bounds a whole request, body included.
    pub limits: Limits,
    /// Hosts outgoing HTTP may reach; none when empty.
    pub allow_http: Vec<HttpRule>,
    /// Requests handled at once (and instances alive at once).
    pub max_concurrency: usize,
    /// Requests waiting for a free slot before new ones get a 503.
    pub max_queue: usize,
    /// Requests a WASI 0.3 handler's instance may take at once (1: a fresh instance per
    /// request). More than one trades isolation for memory: requests sharing an instance
    /// share its memory, its `--max-memory`, and its end when one of them spins past
    /// `--timeout` or traps.
    pub requests_per_instance: usize,
    /// How long in-flight requests may take to finish after Ctrl-C or SIGTERM.
    pub shutdown_grace: Duration,
    /// How long and how many clients may hold a connection.
    pub connections: ConnectionLimits,
}

/// The bounds on clients' connections, so that slow or idle clients cannot hold the server:
/// the defaults are those of public servers (nginx's `client_header_timeout`,
/// `keepalive_timeout`, `send_timeout`, `worker_connections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once; a connection beyond them is answered 503 and closed.
    pub max_connections: usize,
    /// From a connection's opening, or from the first byte of a later request, to the end of
    /// the request's head.
    pub header_timeout: Duration,
    /// How long a connection may wait, idle, for its next request.
    pub keep_alive_timeout: Duration,
    /// How long a response may wait for the client to take its next bytes.
    pub idle_timeout: Duration,
}

impl ServeConfig {
    /// Whether `handler` can be served as configured: requests share instances only in a
    /// WASI 0.3 handler (whose `handle` is async), and fuel, counted per instance, would
    /// be shared by the requests of one.
    pub fn check_sharing(&self, handler: &super::Handler) -> Result<(), crate::RunError> {
        if self.requests_per_instance <= 1 {
            return Ok(());
        }
        let why = if handler.wasi() != "0.3" {
            format!(
                "it serves `{}`, whose `handle` takes one request per instance",
                handler.interface()
            )
        } else if self.limits.fuel.is_some() {
            "`--fuel` is counted per instance, and requests sharing one would share it".into()
        } else {
            return Ok(());
        };
        Err(crate::RunError::CannotShare {
            what: handler.what().to_string(),
            requests: self.requests_per_instance,
            why,
        })
    }

    /// How many requests one instance of `handler` takes at once.
    pub fn requests_per_instance(&self, handler: &super::Handler) -> usize {
        if handler.wasi() == "0.3" {
            self.requests_per_instance.max(1)
        } else {
            1
        }
    }
}

impl ConnectionLimits {
    /// `--max-connections` unless given.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
    /// `--header-timeout` unless given.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
    /// `--keep-alive-timeout` unless given.
    pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(75);
    /// `--idle-timeout` unless given.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            keep_alive_timeout: Self::DEFAULT_KEEP_ALIVE_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
        }
    }
}

/// One served request, as the access log shows it.
#[derive(Debug, Clone)]
pub struct AccessLog {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The status sent (or that would have been, had the client stayed).
    pub status: u16,
    /// From arrival to the end of the response body.
    pub duration: Duration,
    /// Why it failed, when it did (a trap, a limit, a full queue).
    pub error: Option<String>,
    /// Outgoing HTTP requests it was refused (`host:port`).
    pub denied: Vec<String>,
}

/// Why the server closed a client's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The request's head did not arrive in time (a client that sends nothing, or trickles).
    HeaderTimeout(Duration),
    /// No next request came in time on a kept-alive connection.
    KeepAliveTimeout(Duration),
    /// The client took none of the response's bytes in time.
    IdleTimeout(Duration),
}

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |d: &Duration| humantime::format_duration(*d).to_string();
        match self {
            Closed::HeaderTimeout(d) => write!(
                f,
                "no complete request head within {} (--header-timeout)",
                show(d)
            ),
            Closed::KeepAliveTimeout(d) => write!(
                f,
                "idle for {} between requests (--keep-alive-timeout)",
                show(d)
            ),
            Closed::IdleTimeout(d) => write!(
                f,
                "the client took no bytes of the response for {} (--idle-timeout)",
                show(d)
            ),
        }
    }
}

/// What a server reports while it runs.
#[derive(Debug, Clone)]
pub enum ServeEvent {
    /// It listens on this address, serving this interface (`wasi:http/handler@0.3`, ...),
    /// this many requests at most in one instance (1: a fresh instance per request).
    Listening {
        addr: SocketAddr,
        interface: String,
        requests_per_instance: usize,
    },
    /// A request ended.
    Request(AccessLog),
    /// A client's connection was closed by the server, and why.
    ConnectionClosed { peer: SocketAddr, why: Closed },
    /// New connections were refused (answered 503 and closed) since the last such event,
    /// because `open` connections were open (`--max-connections`).
    ConnectionsRefused { count: usize, open: usize },
    /// Ctrl-C or SIGTERM: no new connections; this many requests are still running.
    ShuttingDown { in_flight: usize },
    /// It stopped; this many requests had not finished within the grace period (and were
    /// ended).
    Stopped { unfinished: usize },
}
