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
        if !valid_registry(registry) {
            return Err(bad(
                "the registry must be a host name or IP address, with an optional `:port`",
            ));
        }
        // A tag follows the last `:` of the path (the registry may have a port).
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_string())),
            _ => (path, None),
        };
        if !repository.split('/').all(valid_path_component) {
            return Err(bad(
                "the repository is `/`-separated names of lowercase letters and digits, joined inside by single `.`, `_`, `__` or `-` (no `..`, no empty part)",
            ));
        }
        if let Some(t) = &tag {
            // OCI: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
            let valid_tag = !t.is_empty()
                && t.len() <= 128
                && !t.starts_with(['.', '-'])
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid_tag {
                return Err(bad(
                    "a tag is up to 128 letters, digits, `.`, `_` and `-`, not starting with `.` or `-`",
                ));
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

/// One name of a repository path, by the OCI distribution grammar:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn valid_path_component(part: &str) -> bool {
    let b = part.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &part[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-')) {
            return false;
        }
    }
    true
}

/// A registry: a host name (letters, digits, `-`, `.`), an IPv4 address or an `[IPv6]`
/// address, with an optional port.
fn valid_registry(registry: &str) -> bool {
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return false;
        };
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        (None, after.strip_prefix(':'))
    } else {
        match registry.rsplit_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(registry), None),
        }
    };
    let host_ok = host.is_none_or(|h| {
        !h.is_empty()
            && h.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-')
            })
    });
    host_ok && port.is_none_or(|p| p.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_references_are_refused_before_any_path_is_made() {
        for bad in [
            "127.0.0.1:5000/../../etc/x:1.0",
            "127.0.0.1:5000/a//b:1.0",
            "127.0.0.1:5000/a/..:1.0",
            "127.0.0.1:5000/a..b:1.0",
            "127.0.0.1:5000/A:1.0",
            "127.0.0.1:5000/a:.hidden",
            "evil/host:5000/a:1.0",
            "ho st/a:1.0",
            "127.0.0.1:99999/a:1.0",
            "../x/a:1.0",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        for good in [
            "ghcr.io/a/b_c__d-e.f:1.0",
            "[::1]:5000/x:1",
            "localhost/x:v1",
        ] {
            assert!(Reference::parse(good).is_ok(), "{good}");
        }
    }

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
