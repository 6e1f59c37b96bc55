//! `compose-fs`: files as compose handles them.
//!
//! - [`write_atomic`]: a temporary file beside the target, then a rename; an interrupted
//!   write never leaves half a file under the final name.
//! - [`source_files`]: the one walk of a source tree (`.gitignore` honoured, build outputs
//!   and virtual environments skipped, symbolic-link loops survived).
//! - [`read_regular`]: reads a regular file up to a size limit; devices, pipes and folders
//!   are refused instead of read until memory runs out.
//! - [`Confined`]: a folder compose owns (the project's `target/compose`, its home) into
//!   which it creates, writes and removes, never through a symbolic link.
//! - [`DirLock`]: an exclusive lock on a folder, waited for.

#![forbid(unsafe_code)]

mod atomic;
mod confined;
mod lock;
mod read;
mod tree;

pub use atomic::{write_atomic, write_atomic_parts};
pub use confined::Confined;
pub use lock::DirLock;
pub use read::read_regular;
pub use tree::source_files;

/// The running compose's own build, as its executable's size and modification time: what
/// changes when compose is rebuilt, so that what it made before (a link, a cached result) is
/// made again by the new one. Empty when the executable cannot be read.
pub fn exe_stamp() -> String {
    let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    else {
        return String::new();
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}:{modified}", meta.len())
}
