use std::fmt;
use std::path::PathBuf;

/// A host directory made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// Whether the guest may change it (read-only otherwise).
    pub writable: bool,
}

impl DirGrant {
    /// Parses `host::guest` or `host::guest:rw` (and `host` alone, seen at the same path).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (host, rest) = match spec.split_once("::") {
            Some((h, r)) => (h, Some(r)),
            None => (spec, None),
        };
        if host.is_empty() {
            return Err(format!(
                "`{spec}`: the host directory is empty (expected `host::guest[:rw]`)"
            ));
        }
        let (guest, writable) = match rest {
            None => (host.to_string(), false),
            Some(r) => match r.rsplit_once(':') {
                Some((g, "rw")) => (g.to_string(), true),
                Some((g, "ro")) => (g.to_string(), false),
                _ => (r.to_string(), false),
            },
        };
        if guest.is_empty() {
            return Err(format!(
                "`{spec}`: the guest path is empty (expected `host::guest[:rw]`)"
            ));
        }
        Ok(Self {
            host: PathBuf::from(host),
            guest,
            writable,
        })
    }
}

impl fmt::Display for DirGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} as {} ({})",
            self.host.display(),
            self.guest,
            if self.writable {
                "read-write"
            } else {
                "read-only"
            }
        )
    }
}

/// What a run may touch. The default grants nothing: no directory, no environment variable,
/// no argument beyond the program name, no stdin, no network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Directories.
    pub dirs: Vec<DirGrant>,
    /// Environment variables, with their values.
    pub env: Vec<(String, String)>,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// Whether the guest reads the host's stdin.
    pub stdin: bool,
    /// Whether the guest may open sockets and look up names.
    pub network: bool,
}

impl Grants {
    /// One line per grant, for `--explain` and for the run's header.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.dirs {
            out.push(format!("dir {d}"));
        }
        for (k, _) in &self.env {
            out.push(format!("env {k}"));
        }
        if !self.args.is_empty() {
            out.push(format!("args {}", self.args.join(" ")));
        }
        if self.stdin {
            out.push("stdin".into());
        }
        if self.network {
            out.push("network".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dir_specs() {
        let d = DirGrant::parse("./data::/data:rw").unwrap();
        assert_eq!(d.host, PathBuf::from("./data"));
        assert_eq!(d.guest, "/data");
        assert!(d.writable);
        let d = DirGrant::parse("in::/in").unwrap();
        assert!(!d.writable);
        assert_eq!(DirGrant::parse("x").unwrap().guest, "x");
        assert!(DirGrant::parse("::/x").is_err());
        assert!(DirGrant::parse("x::").is_err());
    }

    #[test]
    fn default_grants_nothing() {
        assert!(Grants::default().describe().is_empty());
    }
}
