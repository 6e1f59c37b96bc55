//! Import and export names of components, as the component model spells them.

/// True for names of the WASI interfaces the host provides (`wasi:cli/stdout@0.2.6`, ...).
pub fn is_wasi(name: &str) -> bool {
    name.starts_with("wasi:")
}

/// Splits `ns:pkg/iface@1.2.3` into (`ns:pkg/iface`, `Some("1.2.3")`).
pub fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once('@') {
        Some((base, version)) => (base, Some(version)),
        None => (name, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_and_versions() {
        assert!(is_wasi("wasi:cli/stdout@0.2.6"));
        assert!(!is_wasi("demo:greet/greeter"));
        assert_eq!(
            split_version("wasi:io/streams@0.2.0"),
            ("wasi:io/streams", Some("0.2.0"))
        );
        assert_eq!(split_version("demo:x/y"), ("demo:x/y", None));
    }
}
