//! A blocking OCI distribution client for Wasm artifacts: push, pull, tags. Every blob is
//! checked against its digest; what is pulled lands in the [`Cache`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ureq::http::Response;
use ureq::Body;

use crate::artifact::{self, Artifact, MANIFEST_MEDIA_TYPE};
use crate::auth::{self, Challenge};
use crate::{Cache, Digest, Reference, RegistryConfig, RegistryError};

mod tags;

/// How long to wait for a registry to accept a connection: a registry that is down is
/// reported after this, not after the operating system's minutes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for an answer to start.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest manifest or blob accepted.
const MAX_BODY: u64 = 1 << 30;

/// A registry client.
pub struct Client {
    agent: ureq::Agent,
    config: RegistryConfig,
    cache: Cache,
    offline: bool,
    /// The `Authorization` value that worked, per registry.
    authorization: RefCell<HashMap<String, String>>,
}

/// A pulled artifact.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The reference, pinned to the manifest's digest.
    pub reference: Reference,
    /// The manifest's digest.
    pub manifest_digest: Digest,
    /// The layer's digest.
    pub layer_digest: Digest,
    /// The `.wasm` bytes.
    pub bytes: Vec<u8>,
    /// Where the bytes are in the cache.
    pub path: PathBuf,
}

impl Client {
    /// A client with `config`, keeping what it pulls in `cache`.
    pub fn new(config: RegistryConfig, cache: Cache) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(RESPONSE_TIMEOUT))
            .user_agent(concat!("compose/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            config,
            cache,
            offline: false,
            authorization: RefCell::new(HashMap::new()),
        }
    }

    /// With `offline`, nothing is asked of a registry: pulls are served from the cache.
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// The configuration in effect.
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Whether the registry has a manifest at `reference`.
    pub fn exists(&self, reference: &Reference) -> Result<bool, RegistryError> {
        let url = self.url(
            reference,
            &format!("manifests/{}", reference.manifest_ref()),
        );
        let response = self.call(reference, "a manifest lookup", |agent, auth| {
            with_auth(agent.head(&url), auth)
                .header("Accept", MANIFEST_MEDIA_TYPE)
                .call()
        })?;
        match response.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.unexpected(reference, "a manifest lookup", response)),
        }
    }

    /// Pushes `artifact` to `reference` (which must have a tag); refused when the tag exists,
    /// unless `force`. Returns the manifest's digest.
    pub fn push(
        &self,
        reference: &Reference,
        artifact: &Artifact,
        force: bool,
    ) -> Result<Digest, RegistryError> {
        if !force && self.exists(reference)? {
            return Err(RegistryError::Exists {
                reference: reference.to_string(),
            });
        }
        self.push_blob(reference, &artifact.layer)?;
        self.push_blob(reference, &artifact.config_bytes)?;
        let tag = reference.manifest_ref();
        let url = self.url(reference, &format!("manifests/{tag}"));
        let response = self.call(reference, "the manifest upload", |agent, auth| {
            with_auth(agent.put(&url), auth)
                .header("Content-Type", MANIFEST_MEDIA_TYPE)
                .send(&artifact.manifest_bytes[..])
        })?;
        if response.status().as_u16() != 201 {
            return Err(self.unexpected(reference, "the manifest upload", response));
        }
        let digest = Digest::of(&artifact.manifest_bytes);
        self.cache
            .put(&digest, &artifact.manifest_bytes, "manifest")?;
        self.cache.set_tag(reference, &digest)?;
        Ok(digest)
    }

    fn push_blob(&self, reference: &Reference, bytes: &[u8]) -> Result<(), RegistryError> {
        let digest = Digest::of(bytes);
        let blob_url = self.url(reference, &format!("blobs/{digest}"));
        let head = self.call(reference, "a blob lookup", |agent, auth| {
            with_auth(agent.head(&blob_url), auth).call()
        })?;
        if head.status().as_u16() == 200 {
            return Ok(());
        }
        let start_url = self.url(reference, "blobs/uploads/");
        let started = self.call(reference, "starting a blob upload", |agent, auth| {
            with_auth(agent.post(&start_url), auth).send_empty()
        })?;
        if started.status().as_u16() != 202 {
            return Err(self.unexpected(reference, "starting a blob upload", started));
        }
        let location = started
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::Protocol {
                registry: reference.registry.clone(),
                action: "starting a blob upload".into(),
                status: 202,
                body: "no Location header".into(),
            })?
            .to_string();
        let mut put_url = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else {
            format!("{}{location}", self.base(reference))
        };
        put_url.push(if put_url.contains('?') { '&' } else { '?' });
        put_url.push_str(&format!("digest={digest}"));
        let done = self.call(reference, "a blob upload", |agent, auth| {
            with_auth(agent.put(&put_url), auth)
                .header("Content-Type", "application/octet-stream")
                .send(bytes)
        })?;
        if done.status().as_u16() != 201 {
            return Err(self.unexpected(reference, "a blob upload", done));
        }
        Ok(())
    }

    /// Pulls the Wasm artifact at `reference`: manifest and layer, both checked against their
    /// digests and kept in the cache. A reference pinned to a digest that is cached costs no
    /// request at all; offline, only the cache is used.
    pub fn pull(&self, reference: &Reference) -> Result<Pulled, RegistryError> {
        let name = reference.to_string();
        let pinned = match &reference.digest {
            Some(d) => Some(Digest::parse(d)?),
            None if self.offline => {
                Some(
                    self.cache
                        .tag(reference)
                        .ok_or_else(|| RegistryError::NotCached {
                            reference: name.clone(),
                        })?,
                )
            }
            None => None,
        };
        let cached = pinned
            .as_ref()
            .and_then(|d| Some((d.clone(), self.cache.get(d)?)));
        let (manifest_digest, manifest_bytes) = match cached {
            Some(hit) => hit,
            None if self.offline => return Err(RegistryError::NotCached { reference: name }),
            None => {
                let bytes = self.fetch_manifest(reference)?;
                let digest = Digest::of(&bytes);
                if let Some(want) = &pinned {
                    want.verify(&bytes, &format!("the manifest of `{name}`"))?;
                }
                (digest, bytes)
            }
        };
        let (_, layer) = artifact::wasm_layer(&manifest_bytes, &name)?;
        let layer_digest = Digest::parse(&layer.digest)?;
        let bytes = match self.cache.get(&layer_digest) {
            Some(bytes) => bytes,
            None if self.offline => return Err(RegistryError::NotCached { reference: name }),
            None => self.fetch_blob(reference, &layer_digest)?,
        };
        if bytes.len() as u64 != layer.size {
            return Err(RegistryError::DigestMismatch {
                what: format!(
                    "the layer of `{name}` (size {} in its manifest)",
                    layer.size
                ),
                expected: layer_digest.to_string(),
                actual: Digest::of(&bytes).to_string(),
                size: bytes.len(),
            });
        }
        let path = self
            .cache
            .put(&layer_digest, &bytes, &format!("the layer of `{name}`"))?;
        self.cache
            .put(&manifest_digest, &manifest_bytes, "manifest")?;
        self.cache.set_tag(reference, &manifest_digest)?;
        Ok(Pulled {
            reference: reference.with_digest(manifest_digest.as_str()),
            manifest_digest,
            layer_digest,
            bytes,
            path,
        })
    }

    fn fetch_manifest(&self, reference: &Reference) -> Result<Vec<u8>, RegistryError> {
        let url = self.url(
            reference,
            &format!("manifests/{}", reference.manifest_ref()),
        );
        let mut response = self.call(reference, "a manifest download", |agent, auth| {
            with_auth(agent.get(&url), auth)
                .header("Accept", MANIFEST_MEDIA_TYPE)
                .call()
        })?;
        match response.status().as_u16() {
            200 => read_body(&mut response, reference),
            404 => Err(RegistryError::NotFound {
                reference: reference.to_string(),
                help: "check the name and the version; `compose publish` puts artifacts there"
                    .into(),
            }),
            _ => Err(self.unexpected(reference, "a manifest download", response)),
        }
    }

    /// Downloads blob `digest`; a body that does not hash to it is an error, and is not kept.
    fn fetch_blob(&self, reference: &Reference, digest: &Digest) -> Result<Vec<u8>, RegistryError> {
        let url = self.url(reference, &format!("blobs/{digest}"));
        let mut response = self.call(reference, "a blob download", |agent, auth| {
            with_auth(agent.get(&url), auth).call()
        })?;
        if response.status().as_u16() != 200 {
            return Err(self.unexpected(reference, "a blob download", response));
        }
        let bytes = read_body(&mut response, reference)?;
        digest.verify(&bytes, &format!("blob {digest} of `{reference}`"))?;
        Ok(bytes)
    }

    /// The tags of `reference`'s repository.
    fn base(&self, reference: &Reference) -> String {
        let scheme = if self.config.plain_http(&reference.registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", reference.registry)
    }

    fn url(&self, reference: &Reference, path: &str) -> String {
        format!(
            "{}/v2/{}/{path}",
            self.base(reference),
            reference.repository
        )
    }

    /// Sends a request, answering one authentication challenge if the registry makes one.
    fn call(
        &self,
        reference: &Reference,
        action: &str,
        send: impl Fn(&ureq::Agent, Option<&str>) -> Result<Response<Body>, ureq::Error>,
    ) -> Result<Response<Body>, RegistryError> {
        let registry = &reference.registry;
        let unreachable = |e: ureq::Error| RegistryError::Unreachable {
            registry: registry.clone(),
            message: describe(&e),
        };
        let known = self.authorization.borrow().get(registry).cloned();
        let response = send(&self.agent, known.as_deref()).map_err(unreachable)?;
        if response.status().as_u16() != 401 {
            return Ok(response);
        }
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(Challenge::parse);
        let credentials = self.config.credentials(registry);
        let authorization = match (challenge, &credentials) {
            (Some(Challenge::Basic), Some(c)) => auth::basic(c),
            (
                Some(Challenge::Bearer {
                    realm,
                    service,
                    scope,
                }),
                _,
            ) => self.token(
                reference,
                action,
                &realm,
                service,
                scope,
                credentials.as_ref(),
            )?,
            _ => {
                return Err(RegistryError::NoCredentials {
                    registry: registry.clone(),
                    action: action.to_string(),
                })
            }
        };
        let retried = send(&self.agent, Some(&authorization)).map_err(unreachable)?;
        if retried.status().as_u16() == 401 {
            return Err(match credentials {
                Some(_) => RegistryError::WrongCredentials {
                    registry: registry.clone(),
                    action: action.to_string(),
                },
                None => RegistryError::NoCredentials {
                    registry: registry.clone(),
                    action: action.to_string(),
                },
            });
        }
        self.authorization
            .borrow_mut()
            .insert(registry.clone(), authorization);
        Ok(retried)
    }

    /// A bearer token from the registry's token service.
    fn token(
        &self,
        reference: &Reference,
        action: &str,
        realm: &str,
        service: Option<String>,
        scope: Option<String>,
        credentials: Option<&crate::Credentials>,
    ) -> Result<String, RegistryError> {
        #[derive(serde::Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        // What the registry asked for; else no more than the action needs.
        let needed = if action.contains("upload") {
            "pull,push"
        } else {
            "pull"
        };
        let scope =
            scope.unwrap_or_else(|| format!("repository:{}:{needed}", reference.repository));
        let mut request = self.agent.get(realm).query("scope", &scope);
        if let Some(s) = &service {
            request = request.query("service", s);
        }
        if let Some(c) = credentials {
            request = request.header("Authorization", &auth::basic(c));
        }
        let mut response = request.call().map_err(|e| RegistryError::Unreachable {
            registry: realm.to_string(),
            message: describe(&e),
        })?;
        match response.status().as_u16() {
            200 => {}
            401 | 403 => {
                return Err(match credentials {
                    Some(_) => RegistryError::WrongCredentials {
                        registry: reference.registry.clone(),
                        action: action.to_string(),
                    },
                    None => RegistryError::NoCredentials {
                        registry: reference.registry.clone(),
                        action: action.to_string(),
                    },
                })
            }
            _ => return Err(self.unexpected(reference, "a token request", response)),
        }
        let body = read_body(&mut response, reference)?;
        let token: Token = serde_json::from_slice(&body).map_err(|e| RegistryError::Protocol {
            registry: reference.registry.clone(),
            action: "a token request".into(),
            status: 200,
            body: e.to_string(),
        })?;
        let token = token.token.or(token.access_token).unwrap_or_default();
        Ok(format!("Bearer {token}"))
    }

    fn unexpected(
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

/// The target of a `Link: <...>; rel="next"` header.
pub(super) fn next_page(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

pub(super) fn with_auth<B>(
    request: ureq::RequestBuilder<B>,
    authorization: Option<&str>,
) -> ureq::RequestBuilder<B> {
    match authorization {
        Some(a) => request.header("Authorization", a),
        None => request,
    }
}

pub(super) fn read_body(
    response: &mut Response<Body>,
    reference: &Reference,
) -> Result<Vec<u8>, RegistryError> {
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| RegistryError::Unreachable {
            registry: reference.registry.clone(),
            message: format!("the download broke off: {}", describe(&e)),
        })
}

/// A transport error in words, with the timeout when that is what happened.
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => format!(
            "no answer in time (gave up after {}s to connect, {}s to answer)",
            CONNECT_TIMEOUT.as_secs(),
            RESPONSE_TIMEOUT.as_secs()
        ),
        ureq::Error::Io(e) => e.to_string(),
        ureq::Error::HostNotFound => "host not found".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_page_of_a_tag_list_is_found() {
        assert_eq!(
            super::next_page("</v2/a/tags/list?n=2&last=b>; rel=\"next\""),
            Some("/v2/a/tags/list?n=2&last=b".to_string())
        );
        assert_eq!(super::next_page("<x>; rel=\"prev\""), None);
    }
}
