//! Refusing, before any compiling, a component nested absurdly deep or wide: Wasmtime
//! would spend minutes and gigabytes on it (a 240 KB file of nested components took 36 s
//! and 12.7 GB), while real compositions nest a few levels.

use wasmparser::{Parser, Payload};

use crate::RunError;

/// The deepest nesting of components and modules compose compiles.
pub const MAX_DEPTH: usize = 32;
/// The most components and modules, at every depth together, compose compiles.
pub const MAX_UNITS: usize = 10_000;

/// Fails when `bytes` nest components or modules deeper than [`MAX_DEPTH`] or hold more
/// than [`MAX_UNITS`] of them. Reads section headers only.
pub(crate) fn check(what: &str, bytes: &[u8]) -> Result<(), RunError> {
    let too = |message: String| RunError::TooComplex {
        what: what.to_string(),
        message,
    };
    let mut depth = 0usize;
    let mut units = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        // Malformed bytes are the compiler's to report, in its words.
        let Ok(payload) = payload else { return Ok(()) };
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                depth += 1;
                units += 1;
                if depth > MAX_DEPTH {
                    return Err(too(format!(
                        "it nests components or modules more than {MAX_DEPTH} deep"
                    )));
                }
                if units > MAX_UNITS {
                    return Err(too(format!(
                        "it holds more than {MAX_UNITS} components and modules"
                    )));
                }
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> Vec<u8> {
        let mut wat = String::new();
        for _ in 0..depth {
            wat.push_str("(component ");
        }
        for _ in 0..depth {
            wat.push(')');
        }
        wat::parse_str(&wat).unwrap()
    }

    #[test]
    fn deep_nesting_is_refused_and_shallow_is_not() {
        assert!(check("x", &nested(5)).is_ok());
        let e = check("x", &nested(MAX_DEPTH + 5)).unwrap_err().to_string();
        assert!(e.contains("more than 32 deep"), "{e}");
    }
}
