//! Deploying a composed component to an engine that runs components on many machines.
//!
//! compose never runs a cluster of its own: it writes the engine's own description of the
//! service ([`Service`] in, the engine's text out) and hands it to the engine's own control
//! interface. One module per engine; wasmCloud ([`wasmcloud`]) is the one built, chosen because
//! its hosts and its message bus install from the package registries and run offline, several
//! on one machine.

pub mod error;
pub mod nats;
pub mod service;
pub mod wasmcloud;

pub use error::DeployError;
pub use service::{check_names, HttpInterface, Service, ServiceDir};
