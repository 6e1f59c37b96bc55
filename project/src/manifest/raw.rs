//! `compose.toml` as written: what serde reads, with the span of every value that an error
//! may have to point at.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    pub project: RawProject,
    #[serde(default)]
    pub wit: Option<RawWit>,
    #[serde(default)]
    pub components: BTreeMap<Spanned<String>, Spanned<RawComponent>>,
    #[serde(default)]
    pub compose: Option<RawCompose>,
    #[serde(default)]
    pub run: Option<RawRun>,
    #[serde(default)]
    pub deploy: Option<RawDeploy>,
}

/// `[deploy]`: where `compose deploy` sends the service.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDeploy {
    pub image: Option<String>,
    pub http_host: Option<String>,
    pub nats: Option<String>,
    pub name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWit {
    pub path: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub language: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub registry: Option<Spanned<String>>,
    pub world: Spanned<String>,
    pub bindings: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    pub preinit: Option<Spanned<bool>>,
    #[serde(rename = "max-size")]
    pub max_size: Option<Spanned<String>>,
    pub grants: Option<Spanned<RawGrants>>,
}

/// `grants = { dirs = [...], env = [...], net = false, http = [...], stdin = false, stdout = true, stderr = true }` of a component.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrants {
    #[serde(default)]
    pub dirs: Vec<Spanned<String>>,
    #[serde(default)]
    pub env: Vec<Spanned<String>>,
    pub net: Option<Spanned<bool>>,
    #[serde(default)]
    pub http: Vec<Spanned<String>>,
    pub stdin: Option<bool>,
    pub stdout: Option<bool>,
    pub stderr: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCompose {
    pub root: Option<Spanned<String>>,
    pub wac: Option<Spanned<String>>,
    #[serde(default)]
    pub wire: BTreeMap<Spanned<String>, Spanned<RawWire>>,
    #[serde(default)]
    pub host_imports: Vec<String>,
    pub max_size: Option<Spanned<String>>,
}

/// An entry of `[compose.wire]`: `"import" = "provider"` for every importer, or a table
/// `[compose.wire.<importer>]` of the same for one importer.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum RawWire {
    Provider(String),
    Importer(BTreeMap<String, String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRun {
    #[serde(default)]
    pub dirs: Vec<Spanned<String>>,
    #[serde(default)]
    pub env: Vec<Spanned<String>>,
    #[serde(default)]
    pub allow_net: Vec<Spanned<String>>,
    #[serde(default)]
    pub allow_name_lookup: bool,
    pub max_memory: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub fuel: Option<u64>,
    pub max_stack: Option<Spanned<String>>,
}
