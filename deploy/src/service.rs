//! The service to deploy, as compose knows it: what each engine's module maps to its own
//! description.

use std::path::PathBuf;
use std::time::Duration;

use crate::DeployError;

/// A composed HTTP component with the capabilities its host must give it.
///
/// Grants of the libraries inside the composition are not here: they are enforced inside the
/// composed file itself (its virtual WASI), so they hold on any engine.
#[derive(Debug, Clone)]
pub struct Service {
    /// The workload's name (the project's), a DNS label.
    pub name: String,
    /// The component's registry reference, pinned by digest.
    pub image: String,
    /// The digest of the component's bytes (with its grants, it names this version of the
    /// workload: the image reference may differ for the same bytes).
    pub version: String,
    /// The HTTP interface it exports.
    pub interface: HttpInterface,
    /// The host name requests reach it by (the engine routes by the `Host` header).
    pub http_host: String,
    /// Environment variables, with their values.
    pub env: Vec<(String, String)>,
    /// Directories of each machine it runs on.
    pub dirs: Vec<ServiceDir>,
    /// Hosts it may send HTTP requests to (`host` or `host:port`).
    pub outgoing_http: Vec<String>,
    /// Raw socket rules granted (`--allow-net`), as written.
    pub network: Vec<String>,
    /// Whether it may resolve names.
    pub name_lookup: bool,
    /// Bytes of memory.
    pub max_memory: Option<u64>,
    /// Wall-clock time per request.
    pub timeout: Option<Duration>,
    /// Fuel per request.
    pub fuel: Option<u64>,
    /// Bytes of wasm stack.
    pub max_stack: Option<usize>,
}

/// A directory granted to the service.
#[derive(Debug, Clone)]
pub struct ServiceDir {
    /// On each machine.
    pub host: PathBuf,
    /// Where the component sees it.
    pub guest: String,
    /// Whether it may change it.
    pub writable: bool,
}

/// Which `wasi:http` world the component serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpInterface {
    /// `wasi:http/incoming-handler@0.2.x`, with its version.
    IncomingHandler { version: String },
    /// `wasi:http/handler@0.3.x` (an async handler), with its version.
    Handler { version: String },
}

impl Service {
    /// Checks what every engine needs: a name and a host name it can route by.
    pub fn check(&self) -> Result<(), DeployError> {
        check_names(&self.name, &self.http_host)
    }
}

/// Checks a service's name (a DNS label) and the host name it is reached by (RFC 1123, no
/// wildcard), before anything is built.
pub fn check_names(name: &str, http_host: &str) -> Result<(), DeployError> {
    if !is_dns_label(name) {
        return Err(DeployError::Input {
            message: format!(
                "`{name}` cannot name a deployed service: it must be lower-case letters, digits and `-`, at most 63 characters"
            ),
            help: "give `--name` (or `[deploy] name` in compose.toml) such a name".into(),
        });
    }
    if http_host.is_empty() || http_host.len() > 253 || !http_host.split('.').all(is_dns_label) {
        return Err(DeployError::Input {
            message: format!(
                "`{http_host}` is not a host name requests can be routed by (RFC 1123: labels of lower-case letters, digits and `-`, no wildcard)"
            ),
            help: "give `--http-host` (or `[deploy] http-host`) such a name, e.g. `hello.example.com`".into(),
        });
    }
    Ok(())
}

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A service for the tests of each engine.
#[cfg(test)]
pub(crate) fn sample() -> Service {
    Service {
        name: "hello".into(),
        image: "127.0.0.1:5000/hello@sha256:ab".into(),
        version: "sha256:0123456789abcdef".into(),
        interface: HttpInterface::IncomingHandler {
            version: "0.2.12".into(),
        },
        http_host: "hello.local".into(),
        env: Vec::new(),
        dirs: Vec::new(),
        outgoing_http: Vec::new(),
        network: Vec::new(),
        name_lookup: false,
        max_memory: None,
        timeout: None,
        fuel: None,
        max_stack: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_host_names_are_checked() {
        assert!(sample().check().is_ok());
        for bad in ["Hello", "a_b", "-a", ""] {
            let s = Service {
                name: bad.into(),
                ..sample()
            };
            assert!(s.check().is_err(), "{bad}");
        }
        for bad in ["*.local", "a..b", "", "x.-y"] {
            let s = Service {
                http_host: bad.into(),
                ..sample()
            };
            assert!(s.check().is_err(), "{bad}");
        }
    }
}
