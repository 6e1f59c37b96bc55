//! Outgoing HTTP (`wasi:http/outgoing-handler`) of a served component: denied unless its
//! host (and port) was granted with `--allow-http`.

use std::fmt;
use std::future::Future;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// A host a served component may send HTTP requests to: a name or an IP, and a port (any
/// when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRule {
    /// The host, lower case, as the request's URI names it (`api.example.com`, `127.0.0.1`,
    /// `[::1]`).
    pub host: String,
    /// `None`: any port.
    pub port: Option<u16>,
}

impl HttpRule {
    /// Parses `HOST` or `HOST:PORT` (`example.com`, `127.0.0.1:8080`, `[::1]:80`).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err("an empty host grants nothing: write `HOST` or `HOST:PORT`".into());
        }
        if let Some((scheme, _)) = spec.split_once("://") {
            return Err(format!(
                "`{spec}`: give the host without `{scheme}://` (a grant is for a host and port, whatever the scheme)"
            ));
        }
        if spec.contains('/') || spec.contains('?') || spec.contains('@') {
            return Err(format!(
                "`{spec}`: a grant names a host and an optional port only, not a path or user"
            ));
        }
        let (host, port) = match spec.rsplit_once(':') {
            // `[::1]:80`, `host:80`; a bare IPv6 address has colons but no brackets.
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
                let port = p.parse::<u16>().map_err(|_| {
                    format!("`{spec}`: `{p}` is not a port (expected a number up to 65535)")
                })?;
                (h, Some(port))
            }
            _ => (spec, None),
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || "-.[]:_".contains(c);
        if host.is_empty() || !host.chars().all(valid) {
            return Err(format!(
                "`{spec}`: `{host}` is not a host name or IP address"
            ));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether a request to `host`:`port` is allowed by this rule.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        self.host.eq_ignore_ascii_case(host) && self.port.is_none_or(|p| p == port)
    }
}

impl fmt::Display for HttpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => write!(f, "{}", self.host),
        }
    }
}

/// The outgoing-HTTP policy of one store, and the requests it refused (for the access log).
#[derive(Default)]
pub struct Outgoing {
    rules: std::sync::Arc<[HttpRule]>,
    pub(crate) denied: Vec<String>,
}

impl Outgoing {
    /// A policy allowing exactly `rules`.
    pub(crate) fn new(rules: std::sync::Arc<[HttpRule]>) -> Self {
        Self {
            rules,
            denied: Vec::new(),
        }
    }
}

type Sent = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for Outgoing {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sent {
        let uri = request.uri();
        let https = uri.scheme_str() == Some("https");
        let host = uri.host().unwrap_or_default().to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        if !self.rules.iter().any(|r| r.allows(&host, port)) {
            self.denied.push(format!("{host}:{port}"));
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        drop(fut);
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_hosts_and_ports() {
        let r = HttpRule::parse("API.example.com:8443").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("api.example.com", Some(8443)));
        assert!(r.allows("api.example.com", 8443));
        assert!(!r.allows("api.example.com", 443));
        let any_port = HttpRule::parse("127.0.0.1").unwrap();
        assert!(any_port.allows("127.0.0.1", 1234));
        assert_eq!(HttpRule::parse("[::1]:80").unwrap().port, Some(80));
        assert_eq!(HttpRule::parse("::1").unwrap().port, None);
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        for (spec, says) in [
            ("", "empty"),
            ("https://example.com", "without `https://`"),
            ("example.com/api", "not a path"),
            ("example.com:http", "not a port"),
            ("exa mple.com", "not a host name"),
        ] {
            let err = HttpRule::parse(spec).unwrap_err();
            assert!(err.contains(says), "{spec}: {err}");
        }
    }
}
