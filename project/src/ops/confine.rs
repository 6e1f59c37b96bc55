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
    /// The directories it sees, by the path it sees them at (`/data (read-only)`).
    pub dirs: Vec<String>,
    /// The environment variables it may read.
    pub env: Vec<String>,
    /// Whether it may open sockets and look up names.
    pub network: bool,
    /// The hosts its outgoing HTTP requests may reach (`host` or `host:port`).
    pub http: Vec<String>,
    /// The standard streams that are the run's (the others are empty or keep nothing).
    pub stdio: Vec<String>,
}

impl Capabilities {
    /// What a component granted `grants` may use.
    pub fn of(component: &str, grants: &Grants) -> Self {
        let stdio = [
            ("stdin", grants.stdin),
            ("stdout", grants.stdout),
            ("stderr", grants.stderr),
        ]
        .iter()
        .filter(|(_, granted)| *granted)
        .map(|(name, _)| name.to_string())
        .collect();
        Self {
            component: component.to_string(),
            root: false,
            dirs: grants
                .dirs
                .iter()
                .map(|d| {
                    if d.read_only {
                        format!("{} (read-only)", d.seen_as())
                    } else {
                        d.seen_as()
                    }
                })
                .collect(),
            env: grants.env.clone(),
            network: grants.net,
            http: grants
                .http
                .iter()
                .map(|h| match h.port {
                    Some(port) => format!("{}:{port}", h.host),
                    None => h.host.clone(),
                })
                .collect(),
            stdio,
        }
    }

    /// `directories /data/sub; environment SECRET; no network; stdout, stderr; clocks and
    /// random`, or what the root gets.
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
            "{}; {}; {}; {}; {}; clocks and random",
            list(&self.dirs, "directories"),
            list(&self.env, "environment"),
            if self.network {
                "the network"
            } else {
                "no network"
            },
            if self.http.is_empty() {
                "no outgoing HTTP".to_string()
            } else {
                format!("outgoing HTTP to {}", self.http.join(", "))
            },
            if self.stdio.is_empty() {
                "no standard streams".to_string()
            } else {
                self.stdio.join(", ")
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
            root: c.name == root,
            ..Capabilities::of(&c.name, &c.grants.grants)
        })
        .collect();
    out.sort_by_key(|c| !c.root);
    Ok(out)
}
