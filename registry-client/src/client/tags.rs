//! Listing a repository's tags (page after page) and choosing the version a request takes.

use super::transport::bounded;
use super::{next_page, Client};
use crate::{PackageSpec, Reference, RegistryError};

impl Client {
    pub fn tags(&self, reference: &Reference) -> Result<Vec<String>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let mut url = self.url(reference, "tags/list");
        let mut all = Vec::new();
        // Registries answer in pages, each naming the next in a `Link` header; a bound on
        // the pages keeps a registry that always names another from holding compose forever.
        for _ in 0..1000 {
            let within = self.within(0);
            let mut response = self.call(
                reference,
                "listing tags",
                &url,
                within,
                |agent, url, auth| bounded(agent.get(url), auth, within).call(),
            )?;
            match response.status().as_u16() {
                200 => {}
                404 => return Ok(all),
                _ => return Err(self.unexpected(reference, "listing tags", response)),
            }
            let next = response
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_page);
            let body = self.read_small(&mut response, reference, "listing tags")?;
            let list: TagList =
                serde_json::from_slice(&body).map_err(|e| RegistryError::Protocol {
                    registry: reference.registry.clone(),
                    action: "listing tags".into(),
                    status: 200,
                    body: e.to_string(),
                })?;
            all.extend(list.tags.unwrap_or_default());
            match next {
                // The next page is on the same registry, by path.
                Some(path) if path.starts_with('/') => {
                    url = format!("{}{path}", self.base(reference))
                }
                _ => return Ok(all),
            }
        }
        Ok(all)
    }

    /// The newest published version of `spec` that its requirement accepts.
    pub fn resolve(
        &self,
        spec: &PackageSpec,
    ) -> Result<(Reference, semver::Version), RegistryError> {
        if let Some(exact) = spec.exact_version() {
            return Ok((self.config.reference_for(spec, &exact.to_string())?, exact));
        }
        let any = self.config.reference_for(spec, "0.0.0")?;
        if self.offline {
            return Err(RegistryError::NotCached {
                reference: spec.to_string(),
            });
        }
        let requirement = spec.requirement();
        let best = self
            .tags(&any)?
            .iter()
            .filter_map(|t| semver::Version::parse(t).ok())
            .filter(|v| requirement.matches(v))
            .max()
            .ok_or_else(|| RegistryError::NotFound {
                reference: format!("{spec} (in {}/{})", any.registry, any.repository),
                help: "no published version matches; `compose publish` puts one there".into(),
            })?;
        Ok((any.with_tag(&best.to_string()), best))
    }
}
