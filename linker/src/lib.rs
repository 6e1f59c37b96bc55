//! `compose-linker`: from built parts to one composed component.
//!
//! [`componentize`] turns a core module into a component (its world embedded, the WASI
//! preview1 adapter added). [`Part`] reads a component's imports and exports. [`plan`]
//! decides which part satisfies which import, [`link`] encodes the composition, and
//! [`host_imports`] lists what the result still needs from its host.

mod componentize;
mod error;
mod link;
mod part;
mod plan;

pub use componentize::{componentize, Adapter};
pub use error::LinkError;
pub use link::link;
pub use part::{exported_interfaces, host_imports, Part, Parts};
pub use plan::{plan, Edge, Plan};
