//! Resource limits of a run: memory, wall-clock time (epoch interruption), fuel and stack.
//! Each limit that is hit ends the run with [`crate::RunError::Limit`], naming the limit and
//! its value; the host process is not affected.

use std::fmt;
use std::time::Duration;

/// What a run may consume. `None` means the default: no memory cap beyond the 4 GiB of a
/// 32-bit memory, no time limit, no fuel metering, Wasmtime's default stack (512 KiB).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of linear memory and tables, all instances of the run together.
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

impl Limits {
    /// The wall-clock bound of a run: `--timeout`; or, with `--fuel` and no timeout, the
    /// time that fuel would take to burn at 10 ns a unit (at least 100 ms), so that a guest
    /// cannot dodge its fuel by waiting in a host call.
    pub fn wall_clock(&self) -> Option<Duration> {
        self.timeout.or_else(|| {
            self.fuel
                .map(|f| Duration::from_nanos(f.saturating_mul(10)).max(Duration::from_millis(100)))
        })
    }
}

impl LimitKind {
    /// The exit code of `compose run` when a guest hits this limit.
    pub fn exit_code(self) -> i32 {
        match self {
            LimitKind::Memory => 121,
            LimitKind::Fuel => 122,
            LimitKind::Stack => 123,
            LimitKind::Timeout => 124,
        }
    }

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

/// The largest size a limit takes (a wasm32 memory is at most 4 GiB; a run may have several).
pub const MAX_SIZE: u64 = 1 << 40;

/// The longest duration a limit takes.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Parses a size: `64MiB`, `512KiB`, `1GiB`, `4096` (bytes), `64MB` (decimal megabytes).
/// Zero and more than [`MAX_SIZE`] are refused.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bytes = text
        .trim()
        .parse::<bytesize::ByteSize>()
        .map_err(|_| {
            format!(
                "`{text}` is not a size (expected e.g. 64MiB, 512KiB, 1GiB or a number of bytes)"
            )
        })?
        .as_u64();
    if bytes == 0 {
        return Err(format!("`{text}`: a limit must be more than zero"));
    }
    if bytes > MAX_SIZE {
        return Err(format!(
            "`{text}` is more than the largest limit, {}",
            show_size(MAX_SIZE)
        ));
    }
    Ok(bytes)
}

/// Parses a duration: `1s`, `500ms`, `2m`, `1h 30m`, `1.5s`. Zero and more than a year are
/// refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let parsed = humantime::parse_duration(t).or_else(|e| {
        // humantime takes whole numbers; `1.5s` is common enough to take too.
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: f64 = number.parse().map_err(|_| e.to_string())?;
        let scale = match unit.trim() {
            "ms" => 0.001,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => return Err(e.to_string()),
        };
        Duration::try_from_secs_f64(n * scale).map_err(|e| e.to_string())
    });
    let d =
        parsed.map_err(|_| format!("`{text}` is not a duration (expected e.g. 1s, 500ms, 2m)"))?;
    if d.is_zero() {
        return Err(format!("`{text}`: a limit must be more than zero"));
    }
    if d > MAX_DURATION {
        return Err(format!("`{text}` is more than the longest limit, 365 days"));
    }
    Ok(d)
}

/// Formats a duration the way the flags take it (`1s`, `1m 30s`).
pub fn format_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
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
        assert!(parse_size("5PiB").is_err());
        assert!(parse_size("0").is_err());
        assert_eq!(parse_size("64MB").unwrap(), 64_000_000);
        assert_eq!(parse_duration("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0ns").is_err());
        assert!(parse_duration("99999999999999999s").is_err());
        assert!(parse_duration("1e300s").is_err());
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(show_size(64 << 20), "64MiB");
    }
}
