//! Resource limits of a run: memory, wall-clock time (epoch interruption), fuel and stack.
//! Each limit that is hit ends the run with [`crate::RunError::Limit`], naming the limit and
//! its value; the host process is not affected.

use std::fmt;
use std::time::Duration;

/// What a run may consume. `None` means the default: no memory cap beyond the 4 GiB of a
/// 32-bit memory, no time limit, no fuel metering, Wasmtime's default stack (512 KiB).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of linear memory (and table growth) per instance.
    pub max_memory: Option<u64>,
    /// Wall-clock time for the whole call.
    pub timeout: Option<Duration>,
    /// Units of fuel (roughly, wasm instructions).
    pub fuel: Option<u64>,
    /// Bytes of wasm stack.
    pub max_stack: Option<usize>,
}

/// Which limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// `--max-memory`.
    Memory,
    /// `--timeout`.
    Timeout,
    /// `--fuel`.
    Fuel,
    /// `--max-stack`.
    Stack,
}

impl LimitKind {
    /// The flag that sets this limit.
    pub fn flag(self) -> &'static str {
        match self {
            LimitKind::Memory => "--max-memory",
            LimitKind::Timeout => "--timeout",
            LimitKind::Fuel => "--fuel",
            LimitKind::Stack => "--max-stack",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Memory => "memory limit",
            LimitKind::Timeout => "time limit",
            LimitKind::Fuel => "fuel limit",
            LimitKind::Stack => "stack limit",
        })
    }
}

/// Parses `64MiB`, `512KiB`, `1GiB`, `1000000` (bytes) and the like.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a size (expected e.g. 64MiB, 512KiB, 1GiB or bytes)")
    })?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" | "KB" | "k" => 1 << 10,
        "MiB" | "M" | "MB" => 1 << 20,
        "GiB" | "G" | "GB" => 1 << 30,
        other => {
            return Err(format!(
                "`{text}`: unknown size unit `{other}` (use KiB, MiB or GiB)"
            ))
        }
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Parses `1s`, `500ms`, `2m`, `1.5s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (expected e.g. 1s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        other => {
            return Err(format!(
                "`{text}`: unknown time unit `{other}` (use ms, s or m)"
            ))
        }
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("`{text}`: a timeout must be more than zero"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Formats a byte count the way the flags take it.
pub fn show_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{}GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{}MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{}KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5TiB").is_err());
        assert_eq!(parse_duration("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert_eq!(show_size(64 << 20), "64MiB");
    }
}
