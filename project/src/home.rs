//! compose's home (`$COMPOSE_HOME`, default `~/.cache/compose`): the toolchains it installs,
//! the Go support module, the compiled-code cache, the registry configuration and cache.
//! One value, owned here, so the CLI asks `compose-project` for all of it.

use std::path::{Path, PathBuf};

use compose_registry::{Cache as RegistryCache, Client, RegistryConfig};
use compose_toolchains::Tools;

use crate::ProjectError;

/// The environment variable naming the registry configuration file (default:
/// `$COMPOSE_HOME/registries.toml`).
pub const REGISTRY_CONFIG_ENV: &str = "COMPOSE_REGISTRY_CONFIG";

/// The environment variable that moves the registry cache (default: `$COMPOSE_HOME/registry`).
pub const REGISTRY_CACHE_ENV: &str = "COMPOSE_REGISTRY_CACHE";

/// compose's home folder and what lives in it.
#[derive(Debug, Clone)]
pub struct ComposeHome {
    tools: Tools,
}

impl ComposeHome {
    /// The home named by `$COMPOSE_HOME`, or the user's cache folder (`~/.cache/compose`).
    pub fn from_env() -> Self {
        Self {
            tools: Tools::from_env(),
        }
    }

    /// The home at `root`.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self {
            tools: Tools::new(root),
        }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        self.tools.home()
    }

    /// The language toolchains found from here.
    pub fn tools(&self) -> &Tools {
        &self.tools
    }

    /// Where compiled components are cached for `compose run` and `compose test`.
    pub fn compiled_cache(&self) -> PathBuf {
        self.root().join("compiled")
    }

    /// The registry configuration file: `COMPOSE_REGISTRY_CONFIG`, else `registries.toml`.
    pub fn registry_config(&self) -> PathBuf {
        std::env::var_os(REGISTRY_CONFIG_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root().join("registries.toml"))
    }

    /// The registry cache: `COMPOSE_REGISTRY_CACHE`, else `registry/`.
    pub fn registry_cache(&self) -> PathBuf {
        std::env::var_os(REGISTRY_CACHE_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root().join("registry"))
    }

    /// A registry client configured from here and the environment.
    pub fn registry_client(&self, offline: bool) -> Result<Client, ProjectError> {
        let config = RegistryConfig::load(&self.registry_config())?;
        Ok(Client::new(config, RegistryCache::new(self.registry_cache())).offline(offline))
    }
}
