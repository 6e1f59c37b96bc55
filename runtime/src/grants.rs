use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// An address the guest may connect to or bind: an IP (or any) and a port (or any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetRule {
    /// `None`: any address.
    pub ip: Option<IpAddr>,
    /// `None`: any port.
    pub port: Option<u16>,
}

impl NetRule {
    /// Any address, any port.
    pub const ANY: NetRule = NetRule {
        ip: None,
        port: None,
    };

    /// Parses `*`, `127.0.0.1`, `127.0.0.1:8080`, `*:443`, `[::1]:80`, `::1`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let bad = || {
            format!("`{spec}` is not an address rule (expected `*`, `IP`, `IP:PORT`, `*:PORT` or `[IPv6]:PORT`)")
        };
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(
                "an empty address rule grants nothing you can name: write `*` for any address, or `IP[:PORT]`".into(),
            );
        }
        if spec == "*" {
            return Ok(Self::ANY);
        }
        if let Ok(ip) = spec.parse::<IpAddr>() {
            return Ok(Self {
                ip: Some(ip),
                port: None,
            });
        }
        if let Ok(addr) = spec.parse::<SocketAddr>() {
            return Ok(Self {
                ip: Some(addr.ip()),
                port: Some(addr.port()),
            });
        }
        let (host, port) = spec.rsplit_once(':').ok_or_else(bad)?;
        let port = match port {
            "*" => None,
            p => Some(p.parse::<u16>().map_err(|_| bad())?),
        };
        let ip = match host.trim_start_matches('[').trim_end_matches(']') {
            "*" => None,
            h => Some(h.parse::<IpAddr>().map_err(|_| bad())?),
        };
        Ok(Self { ip, port })
    }

    /// Whether `addr` is allowed by this rule.
    pub fn allows(&self, addr: SocketAddr) -> bool {
        self.ip.is_none_or(|ip| ip == addr.ip()) && self.port.is_none_or(|p| p == addr.port())
    }
}

impl fmt::Display for NetRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = self.port.map_or("*".to_string(), |p| p.to_string());
        match self.ip {
            None => write!(f, "*:{port}"),
            Some(IpAddr::V6(ip)) => write!(f, "[{ip}]:{port}"),
            Some(ip) => write!(f, "{ip}:{port}"),
        }
    }
}

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
                Some((_, mode)) => {
                    return Err(format!(
                        "`{spec}`: unknown mode `{mode}` (expected `:rw` for read-write or `:ro` for read-only, the default)"
                    ))
                }
                None => (r.to_string(), false),
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

/// An environment variable to grant: `NAME=value`, or `NAME` for the host's value of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvGrant {
    pub name: String,
    /// `None`: the host's value, read when the run starts.
    pub value: Option<String>,
}

impl EnvGrant {
    /// Parses `NAME=value` or `NAME`. The name must be non-empty and hold no `=`, no control
    /// character and no NUL; the value no NUL.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (name, value) = match spec.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (spec, None),
        };
        if name.is_empty() {
            return Err(format!(
                "`{}`: the variable has no name (expected NAME=value or NAME)",
                spec.escape_debug()
            ));
        }
        if name.chars().any(|c| c.is_control()) {
            return Err(format!(
                "`{}`: a variable name cannot hold control characters",
                spec.escape_debug()
            ));
        }
        if value.is_some_and(|v| v.contains('\0')) {
            return Err(format!(
                "`{}`: a value cannot hold NUL",
                spec.escape_debug()
            ));
        }
        Ok(Self {
            name: name.to_string(),
            value: value.map(str::to_string),
        })
    }

    /// The (name, value) to give the guest: the written value, or the host's. `Ok(None)`
    /// when the host does not have the variable; an error when its value is not UTF-8.
    pub fn resolve(&self) -> Result<Option<(String, String)>, String> {
        if let Some(v) = &self.value {
            return Ok(Some((self.name.clone(), v.clone())));
        }
        match std::env::var(&self.name) {
            Ok(v) => Ok(Some((self.name.clone(), v))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!(
                "the host's `{}` is not UTF-8, which WASI requires; pass a value with `--env {}=...`",
                self.name, self.name
            )),
        }
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
    /// Addresses the guest may connect or send to (TCP and UDP); empty: none.
    pub network: Vec<NetRule>,
    /// Addresses the guest may bind to listen or receive on (TCP and UDP); empty: none.
    pub listen: Vec<NetRule>,
    /// Whether the guest may resolve host names.
    pub name_lookup: bool,
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
        if !self.network.is_empty() {
            let rules: Vec<String> = self.network.iter().map(NetRule::to_string).collect();
            out.push(format!("network {}", rules.join(", ")));
        }
        if !self.listen.is_empty() {
            let rules: Vec<String> = self.listen.iter().map(NetRule::to_string).collect();
            out.push(format!("listen {}", rules.join(", ")));
        }
        if self.name_lookup {
            out.push("name lookup".into());
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
        assert!(DirGrant::parse("x::/g:RW")
            .unwrap_err()
            .contains("unknown mode `RW`"));
    }

    #[test]
    fn net_rules_parse_and_match() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        let any = NetRule::parse("*").unwrap();
        assert!(any.allows(addr("10.1.2.3:80")));
        let host = NetRule::parse("127.0.0.1").unwrap();
        assert!(host.allows(addr("127.0.0.1:1")) && !host.allows(addr("127.0.0.2:1")));
        let exact = NetRule::parse("127.0.0.1:8080").unwrap();
        assert!(exact.allows(addr("127.0.0.1:8080")) && !exact.allows(addr("127.0.0.1:8081")));
        let port = NetRule::parse("*:443").unwrap();
        assert!(port.allows(addr("1.2.3.4:443")) && !port.allows(addr("1.2.3.4:80")));
        let v6 = NetRule::parse("[::1]:80").unwrap();
        assert!(v6.allows(addr("[::1]:80")));
        assert_eq!(v6.to_string(), "[::1]:80");
        assert!(NetRule::parse("example.com:80").is_err());
        assert!(NetRule::parse("1.2.3.4:http").is_err());
        assert!(NetRule::parse("").is_err());
        assert!(NetRule::parse("  ").is_err());
    }

    #[test]
    fn env_grants_are_checked() {
        assert_eq!(
            EnvGrant::parse("A=1").unwrap(),
            EnvGrant {
                name: "A".into(),
                value: Some("1".into())
            }
        );
        assert!(EnvGrant::parse("=2").is_err());
        assert!(EnvGrant::parse("A\nB=1").is_err());
        assert!(EnvGrant::parse("A=x\0y").is_err());
        assert_eq!(
            EnvGrant::parse("COMPOSE_SURELY_UNSET_VAR")
                .unwrap()
                .resolve(),
            Ok(None)
        );
    }

    #[test]
    fn default_grants_nothing() {
        assert!(Grants::default().describe().is_empty());
    }
}
