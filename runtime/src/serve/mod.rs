//! Serving a `wasi:http/incoming-handler` component over HTTP/1.1: one fresh instance per
//! request from one pre-linked [`Handler`], the run's grants and limits applied to each,
//! outgoing HTTP denied unless granted, and the served handler swappable while requests run.
//!
//! - [`Runtime::handler`] checks that a component is an HTTP handler and pre-links it;
//! - [`Server::bind`] takes the address (a port in use is an error here, before serving);
//! - [`Server::run`] serves until Ctrl-C or SIGTERM, then lets in-flight requests finish.

mod handler;
mod outgoing;
mod server;

pub use handler::Handler;
pub use outgoing::HttpRule;
pub(crate) use outgoing::Outgoing;
pub use server::{AccessLog, Reloader, ServeConfig, ServeEvent, Server};

/// The interface a served component exports.
pub const INCOMING_HANDLER: &str = "wasi:http/incoming-handler";
