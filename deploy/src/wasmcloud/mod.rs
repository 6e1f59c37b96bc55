//! wasmCloud 2: hosts joined by NATS, each running workloads it is told to start.
//!
//! compose talks to each host's own control subjects (`runtime.host.<id>.workload.*`), as
//! wasmCloud's Kubernetes operator does, and hears hosts by their heartbeats
//! (`runtime.operator.heartbeat.<id>`). The workload it sends is the host's own format,
//! checked by the host's own parser when it starts it.

mod description;
mod lattice;

pub use description::{workload, ENGINE};
pub use lattice::{Host, Lattice, WorkloadState};
