use std::fmt;

/// How a component is compiled, the same way in every language (like cargo's profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// The default: assertions live (C without `NDEBUG`, Rust with debug assertions), no
    /// optimisation beyond what keeps builds quick, debug information kept.
    #[default]
    Dev,
    /// `--release`: optimised (`-O2`, cargo's release profile, Go without symbol tables),
    /// assertions compiled out (`NDEBUG`, no debug assertions), debug information stripped.
    Release,
}

impl Profile {
    /// `dev` or `release`: also the folder its outputs go to.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "release",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
