//! Confining the components of a composition to their grants (see `compose_linker::virt`):
//! shared by a project's build and a plugged run.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use compose_linker::{Composition, Confinement, Grants, LinkError, Wasi};

/// The WASI packages of the runtime, read once per process.
fn wasi() -> Result<&'static Wasi, LinkError> {
    static WASI: OnceLock<Result<Wasi, String>> = OnceLock::new();
    WASI.get_or_init(|| Wasi::new(compose_runtime::WASI_WIT).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|message| LinkError::Virtual {
            component: "(WASI)".into(),
            message: message.clone(),
        })
}

/// Puts virtual WASI in front of every planned component but the root: each gets what
/// `grants` gives it, nothing if it is not there.
pub(crate) fn confine(
    composition: &mut Composition,
    grants: &BTreeMap<String, Grants>,
) -> Result<Vec<Confinement>, LinkError> {
    composition.confine(wasi()?, grants)
}

/// What one component of a project may use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    pub component: String,
    /// The root gets what the run grants; the others only what they are granted.
    pub root: bool,
    /// The directories it sees, by the path it sees them at.
    pub dirs: Vec<String>,
    /// The environment variables it may read.
    pub env: Vec<String>,
    /// Whether it may open sockets and look up names.
    pub network: bool,
}

impl Capabilities {
    /// `directories /data/sub; environment SECRET; no network`, or what the root gets.
    pub fn describe(&self) -> String {
        if self.root {
            return "what the run grants (the root)".into();
        }
        let list = |items: &[String], what: &str| {
            if items.is_empty() {
                format!("no {what}")
            } else {
                format!("{what} {}", items.join(", "))
            }
        };
        format!(
            "{}; {}; {}; stdin, stdout, stderr, clocks and random as the run",
            list(&self.dirs, "directories"),
            list(&self.env, "environment"),
            if self.network {
                "the network"
            } else {
                "no network"
            }
        )
    }
}

/// Each component's capabilities, by the manifest (the root first).
pub fn capabilities(manifest: &crate::Manifest) -> Result<Vec<Capabilities>, crate::ProjectError> {
    let root = manifest.root()?;
    let mut out: Vec<Capabilities> = manifest
        .components
        .iter()
        .map(|c| Capabilities {
            component: c.name.clone(),
            root: c.name == root,
            dirs: c.grants.grants.dirs.iter().map(|d| d.seen_as()).collect(),
            env: c.grants.grants.env.clone(),
            network: c.grants.grants.net,
        })
        .collect();
    out.sort_by_key(|c| !c.root);
    Ok(out)
}
