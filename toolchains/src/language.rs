use std::fmt;
use std::str::FromStr;

/// The languages a component can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Rust, built with cargo for `wasm32-wasip2`.
    Rust,
    /// Standard Go (not TinyGo), built for `wasip1` as a reactor.
    Go,
    /// C, built with wasi-sdk, clang or zig.
    C,
    /// Python, built with componentize-py.
    Python,
    /// A prebuilt component file.
    Wasm,
}

impl Language {
    /// Every language, in the order they are listed to users.
    pub const ALL: [Language; 5] = [
        Language::Rust,
        Language::Go,
        Language::C,
        Language::Python,
        Language::Wasm,
    ];

    /// The name used in compose.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Go => "go",
            Language::C => "c",
            Language::Python => "python",
            Language::Wasm => "wasm",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Language::ALL.iter().map(|l| l.as_str()).collect();
                format!(
                    "unknown language `{s}`; expected one of: {}",
                    known.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_unknown() {
        for l in Language::ALL {
            assert_eq!(l.as_str().parse::<Language>().unwrap(), l);
        }
        let err = "cobol".parse::<Language>().unwrap_err();
        assert!(err.contains("rust, go, c, python, wasm"), "{err}");
    }
}
