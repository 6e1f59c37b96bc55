//! End-to-end tests: they run the real `compose` binary on real projects, with the real
//! cargo, Go and Wasmtime, the way a user would.

mod support;

mod async_flow;
mod broken;
mod build;
mod build_modes;
mod confine;
mod confine_wasi;
mod conformance;
mod deploy;
mod errors;
mod go_gc;
mod graph;
mod hostile;
mod languages;
mod limits;
mod matrix;
mod preinit;
mod registry;
mod registry_hostile;
mod registry_server;
mod run;
mod sandbox;
mod serve;
mod serve_grants;
mod serve_hostile;
mod serve_p3;
mod stale;
mod test_cmd;
mod wasi_probe;
mod wit_cmd;
