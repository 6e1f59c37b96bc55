//! The composition as a graph: one box per component instance, one arrow per link, and what
//! each takes from the host. Read back from any composed file ([`Graph::read`]), so that a
//! file tells its own story; a build adds what only the manifest knows (language, world)
//! with [`Graph::describe`]. Drawn as DOT ([`Graph::dot`]) and SVG ([`Graph::svg`]); its
//! JSON is its serde form.

mod dot;
mod pieces;
mod read;
mod svg;

use serde::{Deserialize, Serialize};

pub use pieces::{of_component as pieces_of_component, Piece};

/// A composition's components and links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    /// The component instances, in the order they are instantiated (the root last, as
    /// compose builds them).
    pub nodes: Vec<Node>,
    /// Who imports what from whom.
    pub edges: Vec<Edge>,
    /// What the composed component imports from its host.
    pub imports: Vec<String>,
    /// What it exports.
    pub exports: Vec<String>,
}

/// One component instance of a composition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The instance's name (compose names each after its component in the manifest).
    pub name: String,
    /// `rust`, `go`, `c` or `python`: from the manifest, else recognised from the code.
    pub language: Option<String>,
    /// The world it implements, when a manifest says.
    pub world: Option<String>,
    /// The bytes of the component inside the composed file.
    pub size: u64,
    /// Whether its exports are the composition's.
    pub root: bool,
    /// What it takes from the host, by name (WASI's interfaces, mostly).
    pub host: Vec<String>,
    /// The core modules inside it, largest first.
    pub pieces: Vec<Piece>,
}

/// `importer` imports `interface` from `exporter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub importer: String,
    pub exporter: String,
    /// The interface (`ns:pkg/iface@version`), or a function of the world.
    pub interface: String,
}

impl Graph {
    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The root.
    pub fn root(&self) -> Option<&Node> {
        self.nodes.iter().find(|n| n.root)
    }

    /// Adds what the manifest knows of the node `name`: its language and world.
    pub fn describe(&mut self, name: &str, language: &str, world: &str) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.name == name) {
            node.language = Some(language.to_string());
            node.world = Some(world.to_string());
        }
    }

    /// The host's interfaces of `node`, grouped by package: `wasi:cli` → `environment`,
    /// `stdout`, … (versions dropped; a name without a package stands alone).
    pub fn host_groups(node: &Node) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for name in &node.host {
            let unversioned = name.split('@').next().unwrap_or(name);
            let (package, item) = match unversioned.split_once('/') {
                Some((package, item)) => (package.to_string(), item.to_string()),
                None => (unversioned.to_string(), String::new()),
            };
            match groups.iter_mut().find(|(p, _)| *p == package) {
                Some((_, items)) => {
                    if !item.is_empty() && !items.contains(&item) {
                        items.push(item);
                    }
                }
                None => groups.push((
                    package,
                    [item].into_iter().filter(|i| !i.is_empty()).collect(),
                )),
            }
        }
        groups.sort();
        for (_, items) in &mut groups {
            items.sort();
        }
        groups
    }
}

/// A byte count for people: `3.5 MiB`, `812.0 KiB`, `96 B`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests;
