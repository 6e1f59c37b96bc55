//! Names of things in registries: OCI references and package names.

use std::fmt;

use crate::RegistryError;

/// An OCI reference: `registry/repository[:tag][@digest]`, e.g.
/// `127.0.0.1:5000/demo/codec:0.1.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    /// `demo/codec`.
    pub repository: String,
    /// `0.1.0`.
    pub tag: Option<String>,
    /// `sha256:…`, when pinned.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses a full reference; the registry part is required.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let bad = |why: &str| RegistryError::BadReference {
            reference: text.to_string(),
            why: why.to_string(),
        };
        let (rest, digest) = match text.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (text, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("no registry: write `host[:port]/repository[:tag]`"))?;
        if registry.is_empty() || registry.contains(char::is_whitespace) {
            return Err(bad("the registry part is empty"));
        }
        // A tag follows the last `:` of the path (the registry may have a port).
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_string())),
            _ => (path, None),
        };
        let valid_repo = !repository.is_empty()
            && repository.split('/').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            });
        if !valid_repo {
            return Err(bad(
                "the repository must be lowercase letters, digits, `.`, `_`, `-` and `/`",
            ));
        }
        if let Some(t) = &tag {
            let valid_tag = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid_tag {
                return Err(bad("a tag is letters, digits, `.`, `_` and `-`"));
            }
        }
        if tag.is_none() && digest.is_none() {
            return Err(bad("no tag or digest: add `:<version>`"));
        }
        if let Some(d) = &digest {
            crate::Digest::parse(d)?;
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// What to ask the registry for: the digest when pinned, else the tag.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The same repository at another tag.
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference {
            tag: Some(tag.to_string()),
            digest: None,
            ..self.clone()
        }
    }

    /// The same repository, pinned to `digest`.
    pub fn with_digest(&self, digest: &str) -> Reference {
        Reference {
            digest: Some(digest.to_string()),
            ..self.clone()
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// A package name with an optional version or version requirement: `demo:codec`,
/// `demo:codec@0.1.0`, `demo:codec@0.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    pub namespace: String,
    pub name: String,
    /// As written after `@`.
    pub version: Option<String>,
}

impl PackageSpec {
    /// Parses `ns:name[@version]`.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let bad = |why: &str| RegistryError::BadReference {
            reference: text.to_string(),
            why: why.to_string(),
        };
        let (id, version) = match text.split_once('@') {
            Some((id, v)) => (id, Some(v.to_string())),
            None => (text, None),
        };
        let (namespace, name) = id
            .split_once(':')
            .ok_or_else(|| bad("a package is `namespace:name[@version]`"))?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !ok(namespace) || !ok(name) {
            return Err(bad(
                "namespace and name are lowercase letters, digits and `-`",
            ));
        }
        if let Some(v) = &version {
            semver::VersionReq::parse(v).map_err(|e| bad(&format!("bad version `{v}`: {e}")))?;
        }
        Ok(PackageSpec {
            namespace: namespace.to_string(),
            name: name.to_string(),
            version,
        })
    }

    /// The exact version, when the spec names one (`1.2.0`, not `1.2`).
    pub fn exact_version(&self) -> Option<semver::Version> {
        self.version
            .as_deref()
            .and_then(|v| semver::Version::parse(v.trim_start_matches('=')).ok())
    }

    /// The versions this spec accepts: `1.2` means `^1.2`, like Cargo; none means any.
    pub fn requirement(&self) -> semver::VersionReq {
        match &self.version {
            Some(v) => semver::VersionReq::parse(v).unwrap_or(semver::VersionReq::STAR),
            None => semver::VersionReq::STAR,
        }
    }

    /// `ns:name`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.namespace, self.name)
    }
}

impl fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_with_ports_tags_and_digests() {
        let r = Reference::parse("127.0.0.1:5000/demo/codec:0.1.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "demo/codec");
        assert_eq!(r.tag.as_deref(), Some("0.1.0"));
        assert_eq!(r.to_string(), "127.0.0.1:5000/demo/codec:0.1.0");
        let d = format!("sha256:{}", "a".repeat(64));
        let pinned = Reference::parse(&format!("ghcr.io/x/y@{d}")).unwrap();
        assert_eq!(pinned.manifest_ref(), d);
        for bad in [
            "demo/codec",
            "127.0.0.1:5000/Demo/x:1",
            "host/x",
            "host/x:",
            "host//x:1",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn package_specs_take_versions_and_requirements() {
        let p = PackageSpec::parse("demo:codec@0.1.0").unwrap();
        assert_eq!(p.exact_version(), Some(semver::Version::new(0, 1, 0)));
        let loose = PackageSpec::parse("demo:codec@0.1").unwrap();
        assert_eq!(loose.exact_version(), None);
        assert!(loose.requirement().matches(&semver::Version::new(0, 1, 7)));
        assert!(!loose.requirement().matches(&semver::Version::new(0, 2, 0)));
        assert!(PackageSpec::parse("demo").is_err());
        assert!(PackageSpec::parse("Demo:x").is_err());
        assert!(PackageSpec::parse("demo:x@banana").is_err());
    }
}
