//! A blocking OCI distribution client for Wasm artifacts: push, pull, tags. Every blob is
//! checked against its digest; what is pulled lands in the [`Cache`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use ureq::http::Response;
use ureq::Body;

use crate::artifact::{self, Artifact, MANIFEST_MEDIA_TYPE};
use crate::{Cache, Digest, Reference, RegistryConfig, RegistryError};
use transport::{bounded, read_body, Reading, CONNECT_TIMEOUT, MAX_BLOB, MAX_MANIFEST, MAX_SMALL};

mod tags;
mod transport;

/// A registry client.
pub struct Client {
    pub(crate) agent: ureq::Agent,
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
            // Redirects are followed by hand (`transport`): credentials never follow one.
            .max_redirects(0)
            .max_redirects_will_error(false)
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
        let within = self.within(0);
        let response = self.call(
            reference,
            "a manifest lookup",
            &url,
            within,
            |agent, url, auth| {
                bounded(agent.head(url), auth, within)
                    .header("Accept", MANIFEST_MEDIA_TYPE)
                    .call()
            },
        )?;
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
        let within = self.within(artifact.manifest_bytes.len() as u64);
        let response = self.call(
            reference,
            "the manifest upload",
            &url,
            within,
            |agent, url, auth| {
                bounded(agent.put(url), auth, within)
                    .header("Content-Type", MANIFEST_MEDIA_TYPE)
                    .send(&artifact.manifest_bytes[..])
            },
        )?;
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
        let quick = self.within(0);
        let head = self.call(
            reference,
            "a blob lookup",
            &blob_url,
            quick,
            |agent, url, auth| bounded(agent.head(url), auth, quick).call(),
        )?;
        if head.status().as_u16() == 200 {
            return Ok(());
        }
        let start_url = self.url(reference, "blobs/uploads/");
        let started = self.call(
            reference,
            "starting a blob upload",
            &start_url,
            quick,
            |agent, url, auth| bounded(agent.post(url), auth, quick).send_empty(),
        )?;
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
        let within = self.within(bytes.len() as u64);
        let done = self.call(
            reference,
            "a blob upload",
            &put_url,
            within,
            |agent, url, auth| {
                bounded(agent.put(url), auth, within)
                    .header("Content-Type", "application/octet-stream")
                    .send(bytes)
            },
        )?;
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
        if layer.size > MAX_BLOB {
            return Err(RegistryError::TooLarge {
                reference: name,
                what: format!("the layer (announced as {} bytes)", layer.size),
                limit: transport::show_bytes(MAX_BLOB),
                why: "compose runs no component that large".into(),
            });
        }
        let bytes = match self.cache.get(&layer_digest) {
            Some(bytes) => bytes,
            None if self.offline => return Err(RegistryError::NotCached { reference: name }),
            None => self.fetch_blob(reference, &layer_digest, layer.size)?,
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
        let within = self.within(MAX_MANIFEST);
        let mut response = self.call(
            reference,
            "a manifest download",
            &url,
            within,
            |agent, url, auth| {
                bounded(agent.get(url), auth, within)
                    .header("Accept", MANIFEST_MEDIA_TYPE)
                    .call()
            },
        )?;
        match response.status().as_u16() {
            200 => read_body(
                &mut response,
                &Reading {
                    reference,
                    action: "a manifest download",
                    within,
                    limit: MAX_MANIFEST,
                    what: "the manifest".into(),
                    why: "a manifest is a page of JSON, and registries take none larger",
                },
                &self.config,
            ),
            404 => Err(RegistryError::NotFound {
                reference: reference.to_string(),
                help: "check the name and the version; `compose publish` puts artifacts there"
                    .into(),
            }),
            _ => Err(self.unexpected(reference, "a manifest download", response)),
        }
    }

    /// Downloads blob `digest` of `size` bytes (as its manifest announces); a body that is
    /// larger, or that does not hash to it, is an error, and is not kept.
    fn fetch_blob(
        &self,
        reference: &Reference,
        digest: &Digest,
        size: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let url = self.url(reference, &format!("blobs/{digest}"));
        let within = self.within(size);
        let mut response = self.call(
            reference,
            "a blob download",
            &url,
            within,
            |agent, url, auth| bounded(agent.get(url), auth, within).call(),
        )?;
        if response.status().as_u16() != 200 {
            return Err(self.unexpected(reference, "a blob download", response));
        }
        let bytes = read_body(
            &mut response,
            &Reading {
                reference,
                action: "a blob download",
                within,
                limit: size,
                what: format!("blob {digest}"),
                why: "its manifest announces that size",
            },
            &self.config,
        )?;
        digest.verify(&bytes, &format!("blob {digest} of `{reference}`"))?;
        Ok(bytes)
    }

    /// Reads a small answer (a token, a page of tags).
    pub(crate) fn read_small(
        &self,
        response: &mut Response<Body>,
        reference: &Reference,
        action: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        read_body(
            response,
            &Reading {
                reference,
                action,
                within: self.within(MAX_SMALL),
                limit: MAX_SMALL,
                what: format!("the answer to {action}"),
                why: "such an answer is a page of JSON",
            },
            &self.config,
        )
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
