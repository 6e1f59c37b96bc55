//! Options a component gives its language's bindings generator (`[components.NAME.bindings]`).
//! Rust components call `wit_bindgen::generate!` themselves, so theirs (`with`,
//! `additional_derives`, ...) are written there; Go's package names are fixed by
//! `wit-bindgen-go` (`export_<ns>_<pkg>_<iface>`), which is how compose finds the exports.

/// How strings cross the component boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StringEncoding {
    #[default]
    Utf8,
    Utf16,
    CompactUtf16,
}

impl StringEncoding {
    /// Parses `utf8`, `utf16` or `compact-utf16`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "utf8" => Ok(Self::Utf8),
            "utf16" => Ok(Self::Utf16),
            "compact-utf16" => Ok(Self::CompactUtf16),
            other => Err(format!(
                "unknown string encoding `{other}` (expected utf8, utf16 or compact-utf16)"
            )),
        }
    }
}

/// Generator options of one component. Only C has any today.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BindingOptions {
    /// C: the string encoding of the bindings (and of the component's canonical ABI).
    pub string_encoding: StringEncoding,
    /// C: do not flatten optional pointers and boolean results in signatures.
    pub no_sig_flattening: bool,
    /// C: drop borrowed handles of exported functions automatically.
    pub autodrop_borrows: bool,
}

impl BindingOptions {
    /// The keys `[components.NAME.bindings]` takes for a language, for messages.
    pub fn keys(language: crate::Language) -> &'static [&'static str] {
        match language {
            crate::Language::C => &["string-encoding", "no-sig-flattening", "autodrop-borrows"],
            _ => &[],
        }
    }

    /// Why a language takes no generator options from compose.toml.
    pub fn none_because(language: crate::Language) -> &'static str {
        match language {
            crate::Language::Rust => "a Rust component calls `wit_bindgen::generate!` itself: give options (`with`, `additional_derives`, ...) there",
            crate::Language::Go => "Go bindings have no options compose passes on: package names are fixed by wit-bindgen-go (`export_<ns>_<pkg>_<iface>` for exports)",
            crate::Language::Python => "componentize-py takes no generator options",
            crate::Language::Wasm => "a prebuilt component has no bindings",
            crate::Language::C => "",
        }
    }
}
