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

/// Checks that `name` is kebab-case as the Component Model spells names: lowercase words of
/// letters and digits, each starting with a letter, joined by single `-`. compose names
/// projects and components this way, which also keeps every name a plain file name (no `/`,
/// no `..`). The error says what is wrong and suggests a name.
pub fn check_kebab(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.split('-').all(|word| {
            word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if ok {
        return Ok(());
    }
    let suggestion: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let suggestion = suggestion.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    Err(format!(
        "use lowercase words joined by `-`, each starting with a letter{}",
        if suggestion.is_empty() {
            String::new()
        } else {
            format!(", e.g. `{suggestion}`")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_kebab_case() {
        assert!(check_kebab("hello-world2").is_ok());
        for bad in [
            "Hello",
            "hello_world",
            "2cool",
            "",
            "a--b",
            "-a",
            "../x",
            "/etc",
            "a/b",
            "a b",
        ] {
            assert!(check_kebab(bad).is_err(), "{bad}");
        }
        assert!(check_kebab("Hello_World")
            .unwrap_err()
            .contains("`hello-world`"));
    }

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
