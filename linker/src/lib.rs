//! `compose-linker`: from built components to one composed component.
//!
//! [`componentize`] turns a core module into a component (its world embedded, the WASI
//! preview1 adapter added). A [`Composition`] is the one value the rest goes through: parts
//! are [added](Composition::add) (validated, their imports and exports read), the graph is
//! [planned](Composition::plan) from the root with the manifest's [`Wiring`], what it leaves
//! for the host is [checked](Composition::check_host) against a [`Host`], and it is
//! [encoded](Composition::encode) with wac's graph, which type-checks every link.

mod componentize;
mod composition;
mod error;
pub mod graph;
mod host;
mod mismatch;
mod part;
#[cfg(test)]
mod test_support;
mod virt;
pub mod wac;
mod wiring;

pub use componentize::{componentize, Adapter};
pub use composition::{virtual_name, Composition, Confinement, Inferred, Link, Unlinked};
pub use error::LinkError;
pub use graph::Graph;
pub use host::Host;
pub use part::{Item, ItemClass, Part};
pub use virt::{DirView, Grants, HttpHost, Reach, Wasi};
pub use wiring::Wiring;
/// How a core module's strings are encoded.
pub use wit_component::StringEncoding;

/// Every import name of a component: what the host that runs it must provide.
pub fn imports_of(bytes: &[u8]) -> Result<Vec<String>, LinkError> {
    let mut c = Composition::new();
    Ok(c.add("component", bytes.to_vec())?.import_names())
}

/// Every export name of a component.
pub fn exports_of(bytes: &[u8]) -> Result<Vec<String>, LinkError> {
    let mut c = Composition::new();
    Ok(c.add("component", bytes.to_vec())?.export_names())
}
