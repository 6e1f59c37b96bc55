//! Writing a file where the user asked for it (a new component's sources, compose.toml,
//! compose.lock, a pulled artifact), atomically, with the error compose reports.

use std::path::Path;

use crate::ProjectError;

/// Writes `bytes` to `path` atomically, creating its folder first.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| ProjectError::io(format!("create `{}`", dir.display()), e))?;
    compose_fs::write_atomic(path, bytes)
        .map_err(|e| ProjectError::io(format!("write `{}`", path.display()), e))
}
