//! Terminal output shared by the commands: cargo-style status lines on stderr.

use std::io::IsTerminal;

/// The exit code of a command that failed (a guest's own exit code is passed through as is).
pub const FAILURE: i32 = 2;

/// Prints `verb` right-aligned in 12 columns, then `message`, like cargo does.
pub fn status(verb: &str, message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("\x1b[1;32m{verb:>12}\x1b[0m {message}");
    } else {
        eprintln!("{verb:>12} {message}");
    }
}

/// A size in bytes, for people.
pub fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
