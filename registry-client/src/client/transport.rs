//! Talking to a registry that may not play fair: every request bounded in time end to end
//! (body included), every body in size, redirects followed by hand (a few hops at most, and
//! credentials only ever sent to the registry itself), one authentication challenge answered.

use std::time::Duration;

use ureq::http::Response;
use ureq::{Body, RequestBuilder};

use super::Client;
use crate::auth::{self, Challenge};
use crate::{Reference, RegistryError};

/// The longest chain of redirects followed.
pub(super) const MAX_REDIRECTS: usize = 5;
/// The largest manifest accepted: what registries themselves accept (4 MiB).
pub(super) const MAX_MANIFEST: u64 = 4 << 20;
/// The largest blob accepted.
pub(super) const MAX_BLOB: u64 = 1 << 30;
/// The largest small answer read (a token, a page of tags).
pub(super) const MAX_SMALL: u64 = 1 << 20;
/// A transfer's time bound grows by a second for each of these bytes: the slowest rate a
/// download or upload may go at before it is abandoned.
const MIN_RATE: u64 = 256 << 10;
/// How long to wait for a registry to accept a connection: a registry that is down is
/// reported after this, not after the operating system's minutes.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a request's answer is read: which request it was, its bound and its size limit.
pub(super) struct Reading<'a> {
    pub reference: &'a Reference,
    pub action: &'a str,
    pub within: Duration,
    pub limit: u64,
    /// What the limit is, when it is passed (`the manifest`, `blob sha256:...`).
    pub what: String,
    /// Why that is the limit.
    pub why: &'a str,
}

impl Client {
    /// The time bound of a transfer of `bytes`.
    pub(crate) fn within(&self, bytes: u64) -> Duration {
        self.config.timeout() + Duration::from_secs(bytes / MIN_RATE)
    }

    /// Sends a request to `url` with `send`, following redirects (credentials go only to
    /// the registry itself, never to where it redirects) and answering one authentication
    /// challenge.
    pub(super) fn call(
        &self,
        reference: &Reference,
        action: &str,
        url: &str,
        within: Duration,
        send: impl Fn(&ureq::Agent, &str, Option<&str>) -> Result<Response<Body>, ureq::Error>,
    ) -> Result<Response<Body>, RegistryError> {
        let registry = &reference.registry;
        let origin = self.base(reference);
        let mut url = url.to_string();
        let mut hops = 0;
        let mut challenged = false;
        loop {
            let ours = origin_of(&url) == origin;
            let authorization = match ours {
                true => self.authorization.borrow().get(registry).cloned(),
                false => None,
            };
            let response = send(&self.agent, &url, authorization.as_deref())
                .map_err(|e| transport_error(reference, action, within, &self.config, e))?;
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let Some(location) = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                else {
                    return Ok(response);
                };
                hops += 1;
                url = resolve(&url, location);
                if hops > MAX_REDIRECTS {
                    return Err(RegistryError::Redirects {
                        registry: registry.clone(),
                        reference: reference.to_string(),
                        action: action.to_string(),
                        hops: MAX_REDIRECTS,
                        last: url,
                    });
                }
                continue;
            }
            if status != 401 || !ours {
                return Ok(response);
            }
            let credentials = self.config.credentials(registry);
            let what = format!("{action} of `{reference}`");
            let refused = || match &credentials {
                Some(_) => RegistryError::WrongCredentials {
                    registry: registry.clone(),
                    action: what.clone(),
                },
                None => RegistryError::NoCredentials {
                    registry: registry.clone(),
                    action: what.clone(),
                },
            };
            if challenged {
                self.authorization.borrow_mut().remove(registry);
                return Err(refused());
            }
            challenged = true;
            let challenge = response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .and_then(Challenge::parse);
            let answer = match (challenge, &credentials) {
                (Some(Challenge::Basic), Some(c)) => auth::basic(c),
                (
                    Some(Challenge::Bearer {
                        realm,
                        service,
                        scope,
                    }),
                    _,
                ) => auth::token(
                    self,
                    reference,
                    action,
                    &auth::TokenRequest {
                        realm: &realm,
                        service,
                        scope,
                    },
                    credentials.as_ref(),
                )?,
                _ => return Err(refused()),
            };
            self.authorization
                .borrow_mut()
                .insert(registry.clone(), answer);
        }
    }

    /// A registry's answer that compose did not expect, with the start of its body.
    pub(crate) fn unexpected(
        &self,
        reference: &Reference,
        action: &str,
        mut response: Response<Body>,
    ) -> RegistryError {
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(4096)
            .read_to_string()
            .unwrap_or_default();
        RegistryError::Protocol {
            registry: reference.registry.clone(),
            action: action.to_string(),
            status,
            body: body.trim().to_string(),
        }
    }
}

/// `request` with `authorization` and the bound `within` (end to end, body included).
pub(super) fn bounded<B>(
    request: RequestBuilder<B>,
    authorization: Option<&str>,
    within: Duration,
) -> RequestBuilder<B> {
    let request = request.config().timeout_global(Some(within)).build();
    match authorization {
        Some(a) => request.header("Authorization", a),
        None => request,
    }
}

/// Reads a whole answer, within its request's bound and its size limit.
pub(super) fn read_body(
    response: &mut Response<Body>,
    reading: &Reading<'_>,
    config: &crate::RegistryConfig,
) -> Result<Vec<u8>, RegistryError> {
    let announced = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = || RegistryError::TooLarge {
        reference: reading.reference.to_string(),
        what: reading.what.clone(),
        limit: show_bytes(reading.limit),
        why: reading.why.to_string(),
    };
    if announced.is_some_and(|n| n > reading.limit) {
        return Err(too_large());
    }
    response
        .body_mut()
        .with_config()
        .limit(reading.limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(),
            ureq::Error::Io(e) => RegistryError::BrokeOff {
                reference: reading.reference.to_string(),
                action: reading.action.to_string(),
                message: e.to_string(),
            },
            other => transport_error(
                reading.reference,
                reading.action,
                reading.within,
                config,
                other,
            ),
        })
}

/// A transport error, said as what it was.
pub(super) fn transport_error(
    reference: &Reference,
    action: &str,
    within: Duration,
    config: &crate::RegistryConfig,
    error: ureq::Error,
) -> RegistryError {
    let registry = reference.registry.clone();
    match error {
        ureq::Error::Timeout(ureq::Timeout::Connect) => RegistryError::Unreachable {
            registry,
            message: format!("no connection within {}s", CONNECT_TIMEOUT.as_secs()),
        },
        ureq::Error::Timeout(_) => RegistryError::TooSlow {
            registry,
            reference: reference.to_string(),
            action: action.to_string(),
            within: humantime::format_duration(within).to_string(),
            base: humantime::format_duration(config.timeout()).to_string(),
        },
        ureq::Error::BodyExceedsLimit(_) => RegistryError::Protocol {
            registry,
            action: action.to_string(),
            status: 200,
            body: "an answer larger than compose reads".into(),
        },
        other => RegistryError::Unreachable {
            registry,
            message: match other {
                ureq::Error::Io(e) => format!("{action} broke off: {e}"),
                ureq::Error::HostNotFound => "host not found".into(),
                other => format!("{action}: {other}"),
            },
        },
    }
}

/// `http://host:port` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

/// Where a `Location` points, from `url`.
fn resolve(url: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else if location.starts_with('/') {
        format!("{}{location}", origin_of(url))
    } else {
        let directory = url.rsplit_once('/').map_or(url, |(d, _)| d);
        format!("{directory}/{location}")
    }
}

/// `4 MiB`, `1234 bytes`.
pub(super) fn show_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_url_they_answered() {
        let url = "http://127.0.0.1:5000/v2/demo/app/manifests/1.0.0";
        assert_eq!(origin_of(url), "http://127.0.0.1:5000");
        assert_eq!(
            resolve(url, "/v2/x"),
            "http://127.0.0.1:5000/v2/x".to_string()
        );
        assert_eq!(
            resolve(url, "https://cdn.example/blob?sig=1"),
            "https://cdn.example/blob?sig=1".to_string()
        );
        assert_eq!(
            resolve(url, "other"),
            "http://127.0.0.1:5000/v2/demo/app/manifests/other".to_string()
        );
        assert_eq!(show_bytes(4 << 20), "4 MiB");
        assert_eq!(show_bytes(10), "10 bytes");
    }
}
