//! Serving a `wasi:http/incoming-handler` component over HTTP/1.1: one fresh instance per
//! request (or, opt-in for a WASI 0.3 handler, instances shared by requests) from one
//! pre-linked [`Handler`], the run's grants and limits applied to each,
//! outgoing HTTP denied unless granted, and the served handler swappable while requests run.
//!
//! - [`Runtime::handler`](crate::Runtime::handler) checks that a component is an HTTP handler
//!   and pre-links it;
//! - [`Server::bind`] takes the address (a port in use is an error here, before serving);
//! - [`Server::run`] serves until Ctrl-C or SIGTERM, then lets in-flight requests finish.
//!
//! Inside, a request goes through stages, each in its own file: the connection it came on
//! (`connection`: slow and idle clients closed), its admission (`admission`: a slot, the
//! queue, or 503), its instance and outcome (`request`; `sharing` when a WASI 0.3 handler's
//! requests share instances, `--requests-per-instance`), and what the client is sent when the
//! handler could not answer (`response`). Guests run on an executor of their own, their
//! deadlines checked at the ticks of a thread of its own (`clock`); the allocator's free
//! memory is given back once a burst is over (`memory`).

mod admission;
mod clock;
mod config;
mod connection;
mod handler;
mod memory;
mod outgoing;
mod request;
mod response;
mod server;
mod sharing;
#[cfg(test)]
mod tests;

pub use config::{AccessLog, Closed, ConnectionLimits, ServeConfig, ServeEvent};
pub use handler::Handler;
pub use outgoing::HttpRule;
pub(crate) use outgoing::Outgoing;
pub use server::{Reloader, Server};

/// The interface a served component exports.
pub const INCOMING_HANDLER: &str = "wasi:http/incoming-handler";
