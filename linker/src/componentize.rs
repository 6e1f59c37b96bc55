use compose_wit::wit_parser::{Resolve, WorldId};
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wit_component::{ComponentEncoder, StringEncoding};

use crate::LinkError;

/// Which WASI preview1 adapter a core module gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// For a library: its exports become the component's.
    Reactor,
    /// For a program: its `_start` becomes the export `wasi:cli/run`.
    Command,
}

/// Turns a WASI preview1 core module into a component of `world`, whose strings cross the
/// boundary in `encoding` (what its bindings were generated for).
///
/// The world is embedded first: without it wit-component gives no error, just a component
/// with an empty world. The preview1 reactor adapter then maps WASI preview1 calls onto
/// WASI Preview 2.
pub fn componentize(
    component: &str,
    core: &[u8],
    resolve: &Resolve,
    world: WorldId,
    adapter: Adapter,
    encoding: StringEncoding,
) -> Result<Vec<u8>, LinkError> {
    let fail = |e: anyhow::Error| LinkError::Componentize {
        component: component.to_string(),
        message: format!("{e:#}"),
    };
    let mut module = core.to_vec();
    wit_component::embed_component_metadata(&mut module, resolve, world, encoding).map_err(fail)?;
    ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .map_err(fail)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            match adapter {
                Adapter::Reactor => WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
                Adapter::Command => WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
            },
        )
        .map_err(fail)?
        .encode()
        .map_err(fail)
}
