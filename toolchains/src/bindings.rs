//! Running a `wit-bindgen` generator of any language over a world.

use compose_wit::wit_parser::{Resolve, WorldId};
use wit_bindgen_core::WorldGenerator;

/// The files the generator `make` makes writes for `world`: (relative path, contents).
///
/// Generators panic on WIT they do not support (wit-bindgen-c on a fixed-length list it
/// imports, say) and recurse as deep as the types nest, so they run isolated: a panic
/// becomes an error that says what failed.
pub fn generate(
    make: impl FnOnce() -> Box<dyn WorldGenerator> + Send,
    resolve: &Resolve,
    world: WorldId,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    // Generators may add to the Resolve (nominal type ids); keep the project's untouched.
    let mut resolve = resolve.clone();
    compose_wit::isolate::isolated("bindings", move || {
        let mut files = wit_bindgen_core::Files::default();
        make().generate(&mut resolve, world, &mut files)?;
        Ok(files
            .iter()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
            .collect())
    })
    .unwrap_or_else(|why| {
        anyhow::bail!(
            "the bindings generator gave up on this world ({why}); it does not support a construct the world uses"
        )
    })
}
