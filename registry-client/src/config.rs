//! Which registry holds which namespace, how to reach it, and with which credentials.
//!
//! From a TOML file (`$COMPOSE_HOME/registries.toml` by default) and the environment:
//!
//! ```toml
//! default-registry = "registry.example.com"   # for namespaces without a rule
//!
//! [namespaces.demo]
//! registry = "127.0.0.1:5000"
//! prefix = "wasm/"                            # demo:codec -> 127.0.0.1:5000/wasm/demo/codec
//!
//! [registries."registry.example.com"]
//! username = "ci"
//! password-env = "REGISTRY_TOKEN"             # or password = "…"
//! plain-http = false                          # true only for a registry without TLS
//! ```
//!
//! `COMPOSE_REGISTRY` sets the default registry; `COMPOSE_REGISTRY_USERNAME` and
//! `COMPOSE_REGISTRY_PASSWORD` are the credentials of the registries the configuration names
//! (the default one, those of namespace rules, those with a table) that the file gives none.
//! A registry named only by a reference (on the command line, in a committed
//! `compose.lock`) gets no credentials at all: a repository cannot send them elsewhere.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::{PackageSpec, Reference, RegistryError};

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.username)
    }
}

/// The registry settings in effect.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    default_registry: Option<String>,
    namespaces: BTreeMap<String, NamespaceRule>,
    registries: BTreeMap<String, RegistrySettings>,
    env_credentials: Option<Credentials>,
    timeout: Option<std::time::Duration>,
}

/// How long a request to a registry may take (beyond a second per 256 KiB it moves), unless
/// COMPOSE_REGISTRY_TIMEOUT says otherwise.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespaceRule {
    registry: String,
    #[serde(default)]
    prefix: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RegistrySettings {
    #[serde(default)]
    plain_http: bool,
    username: Option<String>,
    password: Option<String>,
    password_env: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    default_registry: Option<String>,
    #[serde(default)]
    namespaces: BTreeMap<String, NamespaceRule>,
    #[serde(default)]
    registries: BTreeMap<String, RegistrySettings>,
}

impl RegistryConfig {
    /// Reads `path` (a missing file is an empty configuration), then the environment.
    pub fn load(path: &Path) -> Result<Self, RegistryError> {
        let raw: RawConfig = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| RegistryError::Config {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RawConfig::default(),
            Err(e) => {
                return Err(RegistryError::Config {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })
            }
        };
        let mut config = RegistryConfig {
            default_registry: raw.default_registry,
            namespaces: raw.namespaces,
            registries: raw.registries,
            env_credentials: None,
            timeout: None,
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), RegistryError> {
        if let Some(r) = var("COMPOSE_REGISTRY").filter(|r| !r.is_empty()) {
            self.default_registry = Some(r);
        }
        if let (Some(username), Some(password)) = (
            var("COMPOSE_REGISTRY_USERNAME"),
            var("COMPOSE_REGISTRY_PASSWORD"),
        ) {
            self.env_credentials = Some(Credentials { username, password });
        }
        if let Some(t) = var("COMPOSE_REGISTRY_TIMEOUT").filter(|t| !t.is_empty()) {
            let timeout = humantime::parse_duration(&t).map_err(|e| RegistryError::Config {
                path: "COMPOSE_REGISTRY_TIMEOUT".into(),
                message: format!("`{t}` is not a duration ({e}); write e.g. `2m` or `30s`"),
            })?;
            self.timeout = Some(timeout);
        }
        Ok(())
    }

    /// How long a request to a registry may take, beyond a second per 256 KiB it moves.
    pub fn timeout(&self) -> std::time::Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Where package `spec` lives, at `version`: `<registry>/<prefix><ns>/<name>:<version>`.
    pub fn reference_for(
        &self,
        spec: &PackageSpec,
        version: &str,
    ) -> Result<Reference, RegistryError> {
        let (registry, prefix) = match self.namespaces.get(&spec.namespace) {
            Some(rule) => (rule.registry.clone(), rule.prefix.clone()),
            None => (
                self.default_registry
                    .clone()
                    .ok_or_else(|| RegistryError::NoRegistry {
                        package: spec.to_string(),
                    })?,
                String::new(),
            ),
        };
        Reference::parse(&format!(
            "{registry}/{prefix}{}/{}:{version}",
            spec.namespace, spec.name
        ))
    }

    /// Whether the configuration names `registry`: the default registry, the registry of a
    /// namespace rule, or one with settings of its own.
    pub fn names(&self, registry: &str) -> bool {
        self.default_registry.as_deref() == Some(registry)
            || self.namespaces.values().any(|n| n.registry == registry)
            || self.registries.contains_key(registry)
    }

    /// The credentials for `registry`: from the file, else from the environment; none for a
    /// registry the configuration does not name.
    pub fn credentials(&self, registry: &str) -> Option<Credentials> {
        if !self.names(registry) {
            return None;
        }
        if let Some(s) = self.registries.get(registry) {
            let password = s
                .password
                .clone()
                .or_else(|| s.password_env.as_ref().and_then(|v| std::env::var(v).ok()));
            if let (Some(username), Some(password)) = (s.username.clone(), password) {
                return Some(Credentials { username, password });
            }
        }
        self.env_credentials.clone()
    }

    /// Whether `registry` is spoken to over plain HTTP: when the configuration says so, or
    /// when it is on the loopback interface. Everything else is HTTPS.
    pub fn plain_http(&self, registry: &str) -> bool {
        self.registries.get(registry).is_some_and(|s| s.plain_http) || is_loopback(registry)
    }
}

/// `127.0.0.1:5000`, `localhost`, `[::1]:5000`.
fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => registry.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> RegistryConfig {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registries.toml");
        std::fs::write(&path, text).unwrap();
        let raw: RawConfig = toml::from_str(text).unwrap();
        let _ = RegistryConfig::load(&path).unwrap();
        RegistryConfig {
            default_registry: raw.default_registry,
            namespaces: raw.namespaces,
            registries: raw.registries,
            env_credentials: None,
            timeout: None,
        }
    }

    #[test]
    fn packages_map_to_references_like_wkg() {
        let c = config(
            "default-registry = \"ghcr.io\"\n[namespaces.demo]\nregistry = \"127.0.0.1:5000\"\nprefix = \"wasm/\"\n",
        );
        let spec = PackageSpec::parse("demo:codec@0.1.0").unwrap();
        assert_eq!(
            c.reference_for(&spec, "0.1.0").unwrap().to_string(),
            "127.0.0.1:5000/wasm/demo/codec:0.1.0"
        );
        let other = PackageSpec::parse("acme:thing").unwrap();
        assert_eq!(
            c.reference_for(&other, "2.0.0").unwrap().to_string(),
            "ghcr.io/acme/thing:2.0.0"
        );
        let none = RegistryConfig::default();
        let e = none.reference_for(&other, "1.0.0").unwrap_err().to_string();
        assert!(e.contains("no registry for `acme:thing`"), "{e}");
    }

    #[test]
    fn only_loopback_or_named_registries_get_plain_http() {
        let c = config("[registries.\"reg.local:80\"]\nplain-http = true\n");
        assert!(c.plain_http("127.0.0.1:5000"));
        assert!(c.plain_http("localhost:5000"));
        assert!(c.plain_http("[::1]:5000"));
        assert!(c.plain_http("reg.local:80"));
        assert!(!c.plain_http("ghcr.io"));
        assert!(!c.plain_http("10.0.0.1:5000"));
    }

    #[test]
    fn the_timeout_comes_from_the_environment_and_a_bad_one_is_refused() {
        let mut c = config("");
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        c.apply_env(|k| (k == "COMPOSE_REGISTRY_TIMEOUT").then(|| "3s".into()))
            .unwrap();
        assert_eq!(c.timeout(), std::time::Duration::from_secs(3));
        let e = c
            .apply_env(|k| (k == "COMPOSE_REGISTRY_TIMEOUT").then(|| "soon".into()))
            .unwrap_err();
        assert!(e.to_string().contains("COMPOSE_REGISTRY_TIMEOUT"), "{e}");
    }

    #[test]
    fn credentials_come_from_the_file_then_the_environment() {
        let mut c = config("[registries.\"a.io\"]\nusername = \"u\"\npassword = \"p\"\n");
        c.apply_env(|k| match k {
            "COMPOSE_REGISTRY_USERNAME" => Some("env-u".into()),
            "COMPOSE_REGISTRY_PASSWORD" => Some("env-p".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.credentials("a.io").unwrap().username, "u");
        // The environment's credentials go only to registries the configuration names.
        assert!(c.credentials("b.io").is_none());
        c.apply_env(|k| match k {
            "COMPOSE_REGISTRY" => Some("b.io".into()),
            "COMPOSE_REGISTRY_USERNAME" => Some("env-u".into()),
            "COMPOSE_REGISTRY_PASSWORD" => Some("env-p".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.credentials("b.io").unwrap().username, "env-u");
        assert!(c.credentials("evil.example:5000").is_none());
        // Passwords never reach logs.
        assert_eq!(
            format!("{:?}", c.credentials("b.io").unwrap()),
            "Credentials(env-u, <hidden>)"
        );
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registries.toml");
        std::fs::write(&path, "colour = 1\n").unwrap();
        let e = RegistryConfig::load(&path).unwrap_err().to_string();
        assert!(e.contains("registries.toml") && e.contains("colour"), "{e}");
    }
}
