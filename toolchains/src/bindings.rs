//! Running a `wit-bindgen` generator of any language over a world.

use compose_wit::wit_parser::{Resolve, WorldId};
use wit_bindgen_core::WorldGenerator;

/// The files `generator` writes for `world`: (relative path, contents).
pub fn generate(
    mut generator: Box<dyn WorldGenerator>,
    resolve: &Resolve,
    world: WorldId,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = wit_bindgen_core::Files::default();
    // Generators may add to the Resolve (nominal type ids); keep the project's untouched.
    let mut resolve = resolve.clone();
    generator.generate(&mut resolve, world, &mut files)?;
    Ok(files
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect())
}
