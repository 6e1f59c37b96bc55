//! Virtual WASI: the small components compose puts in front of a component of a composition
//! so that it gets only the capabilities granted to it, wherever the composed file runs.
//!
//! Like WASI-Virt, a virtual component exports the WASI interfaces it stands in for and
//! imports the host's where it narrows them: an environment filtered by name, the run's
//! directories filtered by name (or a sub-folder of one, opened at start), sockets and name
//! lookups that answer `access-denied`. It is made here, from the WASI WIT the runtime
//! implements: a core module written for the grants (see [`core`], on the small assembler of
//! [`encode`]) and wit-component.

mod core;
mod encode;
mod forward;

use compose_wit::names::split_version;
use wit_parser::{Resolve, UnresolvedPackageGroup};

use crate::LinkError;

/// What one component of a composition may use. The default grants no directory, no
/// variable, no network and no stdin; stdout and stderr pass (they reach no host data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    /// The environment variables it may read, by name.
    pub env: Vec<String>,
    /// The directories of the run it sees.
    pub dirs: Vec<DirView>,
    /// Whether it may open sockets and look up names.
    pub net: bool,
    /// Whether it reads the run's stdin (else it reads an empty one).
    pub stdin: bool,
    /// Whether its stdout is the run's (else what it writes there goes nowhere).
    pub stdout: bool,
    /// Whether its stderr is the run's (else what it writes there goes nowhere).
    pub stderr: bool,
    /// The hosts its outgoing HTTP requests may reach (none: every request is refused).
    pub http: Vec<HttpHost>,
}

/// A host a component's outgoing HTTP requests may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHost {
    /// The host as a request's authority names it (`api.example.com`, `127.0.0.1`, `[::1]`).
    pub host: String,
    /// The port it must name, or any when `None`.
    pub port: Option<u16>,
}

impl Default for Grants {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            dirs: Vec::new(),
            net: false,
            stdin: false,
            stdout: true,
            stderr: true,
            http: Vec::new(),
        }
    }
}

/// A directory a component sees: one of the run's (`preopen`, its guest path), whole or a
/// sub-folder of it, possibly read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirView {
    /// The guest path of the run's directory (`/data`).
    pub preopen: String,
    /// A path inside it (`reports/2026`), or empty for the whole directory.
    pub sub: String,
    /// Whether the component may only read it (else it may write as the run may).
    pub read_only: bool,
}

impl DirView {
    /// The name the component sees it by: `/data`, or `/data/reports/2026`.
    pub fn seen_as(&self) -> String {
        if self.sub.is_empty() {
            self.preopen.clone()
        } else {
            format!("{}/{}", self.preopen.trim_end_matches('/'), self.sub)
        }
    }
}

/// How a WASI interface reaches a component confined by [`Grants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// From the host, as the run grants it.
    Host,
    /// Through its virtual component, which hands on the host's (wrapping the resources it
    /// gives out, so that the ones it denies can be told apart).
    Forwarded,
    /// From its virtual component, narrowed to what it was granted.
    Narrowed,
    /// From its virtual component, which denies everything.
    Denied,
}

/// How each WASI interface a component imports reaches it, by unversioned name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Confining {
    reach: std::collections::BTreeMap<String, Reach>,
    /// Whether the virtual component wraps the streams (a standard stream is denied).
    streams: bool,
    /// Whether it wraps the descriptors.
    files: bool,
}

impl Confining {
    /// Decides, for a component importing `imports` (versioned names).
    pub(crate) fn new(grants: &Grants, imports: &[String]) -> Result<Self, String> {
        let names: Vec<&str> = imports.iter().map(|i| split_version(i).0).collect();
        let imported = |name: &str| names.contains(&name);
        let standard = [
            ("wasi:cli/stdin", grants.stdin),
            ("wasi:cli/stdout", grants.stdout),
            ("wasi:cli/stderr", grants.stderr),
        ];
        let denied_streams: Vec<&str> = standard
            .iter()
            .filter(|(name, granted)| imported(name) && !granted)
            .map(|(name, _)| *name)
            .collect();
        // Streams wrapped means every interface handing out streams is wrapped too:
        // compose does that for files and (denied) TCP, not for HTTP or granted TCP.
        let unwrappable = names
            .iter()
            .find(|n| n.starts_with("wasi:http/"))
            .copied()
            .or((grants.net && imported("wasi:sockets/tcp")).then_some("wasi:sockets/tcp"));
        let mut streams = !denied_streams.is_empty();
        if let (true, Some(blocker)) = (streams, unwrappable) {
            if denied_streams.iter().any(|s| *s != "wasi:cli/stdin") {
                return Err(format!(
                    "it imports `{blocker}`, whose streams compose cannot confine: grant it stdout and stderr"
                ));
            }
            // Only the default (no stdin) is asked: stdin stays the run's.
            streams = false;
        }
        let read_only = grants.dirs.iter().any(|d| d.read_only);
        let files = imported("wasi:filesystem/types") && (streams || read_only);
        let mut reach = std::collections::BTreeMap::new();
        let mut set = |name: &str, r: Reach| {
            if imported(name) {
                reach.insert(name.to_string(), r);
            }
        };
        let deny_or = |denied: bool, otherwise: Reach| {
            if denied {
                Reach::Denied
            } else {
                otherwise
            }
        };
        set(
            "wasi:cli/environment",
            deny_or(grants.env.is_empty(), Reach::Narrowed),
        );
        set(
            "wasi:filesystem/preopens",
            deny_or(grants.dirs.is_empty(), Reach::Narrowed),
        );
        set(
            "wasi:http/outgoing-handler",
            deny_or(grants.http.is_empty(), Reach::Narrowed),
        );
        if !grants.net {
            for name in [
                "wasi:sockets/tcp-create-socket",
                "wasi:sockets/udp-create-socket",
                "wasi:sockets/ip-name-lookup",
            ] {
                set(name, Reach::Denied);
            }
        }
        if streams {
            set("wasi:io/streams", Reach::Forwarded);
            for (name, granted) in standard {
                set(name, deny_or(!granted, Reach::Forwarded));
            }
            if !grants.net {
                set("wasi:sockets/tcp", Reach::Denied);
            }
        }
        if files {
            let r = if grants.dirs.is_empty() {
                Reach::Denied
            } else if read_only {
                Reach::Narrowed
            } else {
                Reach::Forwarded
            };
            set("wasi:filesystem/types", r);
        }
        Ok(Self {
            reach,
            streams,
            files,
        })
    }

    /// How `import` (versioned or not) reaches the component.
    pub(crate) fn reach(&self, import: &str) -> Reach {
        self.reach
            .get(split_version(import).0)
            .copied()
            .unwrap_or(Reach::Host)
    }
}

/// The WASI packages a virtual component is made from (those the runtime implements).
pub struct Wasi {
    resolve: Resolve,
    version: String,
}

impl Wasi {
    /// Reads the WASI packages: (file name, WIT text) for each.
    pub fn new(files: &[(&str, &str)]) -> Result<Self, LinkError> {
        let fail = |message: String| LinkError::Virtual {
            component: "(WASI)".into(),
            message,
        };
        let mut groups = Vec::new();
        for (name, text) in files {
            groups.push(
                UnresolvedPackageGroup::parse(*name, text).map_err(|e| fail(format!("{}", e.1)))?,
            );
        }
        let version = groups
            .iter()
            .find_map(|g| g.main.name.version.as_ref().map(|v| v.to_string()))
            .ok_or_else(|| fail("no WASI package has a version".into()))?;
        let mut resolve = Resolve::default();
        // Each file is one package; push them in an order where each one's dependencies
        // come first.
        while !groups.is_empty() {
            let before = groups.len();
            let mut left = Vec::new();
            for group in groups {
                let ready = group.main.foreign_deps.keys().all(|dep| {
                    resolve
                        .packages
                        .iter()
                        .any(|(_, p)| p.name.namespace == dep.namespace && p.name.name == dep.name)
                });
                if ready {
                    resolve
                        .push_group(group)
                        .map_err(|e| fail(format!("{e:#}")))?;
                } else {
                    left.push(group);
                }
            }
            if left.len() == before {
                return Err(fail("the WASI packages depend on one missing".into()));
            }
            groups = left;
        }
        Ok(Self { resolve, version })
    }

    /// The WASI version of the packages (`0.2.12`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// `wasi:cli/environment` → `wasi:cli/environment@0.2.12`.
    fn versioned(&self, unversioned: &str) -> String {
        format!("{unversioned}@{}", self.version)
    }
}

/// A virtual component made for one component: its bytes, and for each import of the
/// component it stands in for, the name of its export that provides it.
#[derive(Debug, Clone)]
pub struct Virtual {
    pub bytes: Vec<u8>,
    /// (the component's import, the virtual component's export).
    pub provides: Vec<(String, String)>,
}

/// The virtual component that confines a component importing `imports` to `grants` as
/// `confining` decided, or `None` when none of its imports needs one.
pub(crate) fn virtualize(
    wasi: &Wasi,
    component: &str,
    imports: &[String],
    grants: &Grants,
    confining: &Confining,
) -> Result<Option<Virtual>, LinkError> {
    let fail = |message: String| LinkError::Virtual {
        component: component.to_string(),
        message,
    };
    let mut provides = Vec::new();
    for import in imports {
        if confining.reach(import) != Reach::Host {
            provides.push((import.clone(), wasi.versioned(split_version(import).0)));
        }
    }
    if provides.is_empty() {
        return Ok(None);
    }
    let mut exports: Vec<&str> = provides.iter().map(|(_, e)| e.as_str()).collect();
    exports.sort();
    exports.dedup();
    let mut resolve = wasi.resolve.clone();
    let mut world = String::from("package compose:virtual;\nworld confine {\n");
    for export in &exports {
        world.push_str(&format!("  export {export};\n"));
        // What it narrows or hands on, it calls the host's for.
        if confining.reach(export) != Reach::Denied {
            world.push_str(&format!("  import {export};\n"));
        }
    }
    if confining.streams {
        // A denied stream's pollable is one that is ready at once.
        world.push_str(&format!(
            "  import {};\n",
            wasi.versioned("wasi:clocks/monotonic-clock")
        ));
    }
    world.push_str("}\n");
    let package = resolve
        .push_source("confine.wit", &world)
        .map_err(|e| fail(format!("{e:#}")))?;
    let world_id = resolve
        .select_world(&[package], Some("confine"))
        .map_err(|e| fail(format!("{e:#}")))?;
    let mut module =
        core::module(&resolve, world_id, grants, confining, &wasi.version).map_err(fail)?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world_id,
        wit_component::StringEncoding::UTF8,
    )
    .map_err(|e| fail(format!("{e:#}")))?;
    let bytes = wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| fail(format!("{e:#}")))?;
    Ok(Some(Virtual { bytes, provides }))
}

#[cfg(test)]
mod tests;
