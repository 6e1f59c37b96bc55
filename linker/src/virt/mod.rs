//! Virtual WASI: the small components compose puts in front of a component of a composition
//! so that it gets only the capabilities granted to it, wherever the composed file runs.
//!
//! Like WASI-Virt, a virtual component exports the WASI interfaces it stands in for and
//! imports the host's where it narrows them: an environment filtered by name, the run's
//! directories filtered by name (or a sub-folder of one, opened at start), sockets and name
//! lookups that answer `access-denied`. It is made here, from the WASI WIT the runtime
//! implements: a core module written for the grants (see [`core`]) and wit-component.

mod core;

use compose_wit::names::split_version;
use wit_parser::{Resolve, UnresolvedPackageGroup};

use crate::LinkError;

/// What one component of a composition may use. The default grants nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// The environment variables it may read, by name.
    pub env: Vec<String>,
    /// The directories of the run it sees.
    pub dirs: Vec<DirView>,
    /// Whether it may open sockets and look up names.
    pub net: bool,
}

/// A directory a component sees: one of the run's (`preopen`, its guest path), whole or a
/// sub-folder of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirView {
    /// The guest path of the run's directory (`/data`).
    pub preopen: String,
    /// A path inside it (`reports/2026`), or empty for the whole directory.
    pub sub: String,
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
    /// From its virtual component, narrowed to what it was granted.
    Narrowed,
    /// From its virtual component, which denies everything.
    Denied,
}

/// The WASI interfaces compose can stand in for, unversioned.
pub const VIRTUALIZED: [&str; 5] = [
    "wasi:cli/environment",
    "wasi:filesystem/preopens",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/ip-name-lookup",
];

impl Grants {
    /// How `import` (a versioned WASI interface name) reaches a component with these grants.
    pub fn reach(&self, import: &str) -> Reach {
        match split_version(import).0 {
            "wasi:cli/environment" if self.env.is_empty() => Reach::Denied,
            "wasi:cli/environment" => Reach::Narrowed,
            "wasi:filesystem/preopens" if self.dirs.is_empty() => Reach::Denied,
            "wasi:filesystem/preopens" => Reach::Narrowed,
            "wasi:sockets/tcp-create-socket"
            | "wasi:sockets/udp-create-socket"
            | "wasi:sockets/ip-name-lookup"
                if !self.net =>
            {
                Reach::Denied
            }
            _ => Reach::Host,
        }
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

/// The virtual component that confines a component importing `imports` to `grants`, or
/// `None` when none of its imports needs one.
pub fn virtualize(
    wasi: &Wasi,
    component: &str,
    imports: &[String],
    grants: &Grants,
) -> Result<Option<Virtual>, LinkError> {
    let mut provides = Vec::new();
    for import in imports {
        if grants.reach(import) != Reach::Host {
            provides.push((import.clone(), wasi.versioned(split_version(import).0)));
        }
    }
    if provides.is_empty() {
        return Ok(None);
    }
    let exports: Vec<&str> = {
        let mut e: Vec<&str> = provides.iter().map(|(_, e)| e.as_str()).collect();
        e.sort();
        e.dedup();
        e
    };
    let fail = |message: String| LinkError::Virtual {
        component: component.to_string(),
        message,
    };
    let mut resolve = wasi.resolve.clone();
    let mut world = String::from("package compose:virtual;\nworld confine {\n");
    for export in &exports {
        world.push_str(&format!("  export {export};\n"));
        // What it narrows, it calls the host's for.
        if grants.reach(export) == Reach::Narrowed {
            world.push_str(&format!("  import {export};\n"));
        }
    }
    world.push_str("}\n");
    let package = resolve
        .push_source("confine.wit", &world)
        .map_err(|e| fail(format!("{e:#}")))?;
    let world_id = resolve
        .select_world(&[package], Some("confine"))
        .map_err(|e| fail(format!("{e:#}")))?;
    let text = core::module(&resolve, world_id, grants, &wasi.version);
    let mut module = wat::parse_str(&text).map_err(|e| fail(format!("{e}\n{text}")))?;
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
