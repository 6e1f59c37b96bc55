//! `compose cache`: what the compiled-code cache in compose's home holds, and making it
//! smaller (`gc`: down to its bound, abandoned temporary files gone) or empty (`clean`).

use std::path::PathBuf;

use compose_runtime::Cache;

use crate::{ComposeHome, ProjectError};

/// The state of the compiled-code cache.
#[derive(Debug, Clone)]
pub struct CacheInfo {
    /// Its folder.
    pub dir: PathBuf,
    /// The bytes it holds.
    pub size: u64,
    /// The bound it is kept under (`COMPOSE_CACHE_MAX`).
    pub max: u64,
}

fn cache(home: &ComposeHome) -> Cache {
    Cache::folder(home.compiled_cache())
}

/// What the cache holds.
pub fn cache_info(home: &ComposeHome) -> CacheInfo {
    let c = cache(home);
    CacheInfo {
        dir: c.dir().to_path_buf(),
        size: c.size(),
        max: compose_runtime::cache_max_bytes(),
    }
}

/// Removes abandoned temporary files and the least recently used entries beyond the bound;
/// returns (entries removed, bytes freed).
pub fn cache_gc(home: &ComposeHome) -> (usize, u64) {
    cache(home).collect_garbage(compose_runtime::cache_max_bytes())
}

/// Empties the cache; returns the bytes freed.
pub fn cache_clean(home: &ComposeHome) -> Result<u64, ProjectError> {
    let c = cache(home);
    c.clean()
        .map_err(|e| ProjectError::io(format!("empty `{}`", c.dir().display()), e))
}
