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
    /// For a WASI interface from a virtual WASI component (`<importer>.wasi`): whether it
    /// narrows what the host gives, or denies everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confined: Option<crate::Reach>,
}

impl Graph {
    /// Marks each WASI interface a component gets from its virtual WASI component: narrowed
    /// when the virtual one asks the host for the same interface, denied when it does not.
    fn mark_confined(&mut self) {
        // A virtual WASI component's one module is compose's, not a program of the user's.
        let virtual_nodes: Vec<String> = self
            .edges
            .iter()
            .filter(|e| e.exporter == crate::virtual_name(&e.importer))
            .map(|e| e.exporter.clone())
            .collect();
        for node in &mut self.nodes {
            if virtual_nodes.contains(&node.name) {
                if let Some(program) = node.pieces.iter_mut().find(|p| p.what == "program") {
                    program.what = "virtual WASI (compose)".into();
                }
            }
        }
        let nodes = &self.nodes;
        for edge in &mut self.edges {
            if edge.exporter != crate::virtual_name(&edge.importer)
                || !compose_wit::names::is_wasi(&edge.interface)
            {
                continue;
            }
            let wanted = compose_wit::names::split_version(&edge.interface).0;
            let asks_host = nodes
                .iter()
                .find(|n| n.name == edge.exporter)
                .is_some_and(|n| {
                    n.host
                        .iter()
                        .any(|h| compose_wit::names::split_version(h).0 == wanted)
                });
            edge.confined = Some(if asks_host {
                crate::Reach::Narrowed
            } else {
                crate::Reach::Denied
            });
        }
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.position(name).map(|i| &self.nodes[i])
    }

    /// The index of the node named `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
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
}

impl Node {
    /// What it takes from the host, grouped by package (see [`by_package`]).
    pub fn host_groups(&self) -> Vec<(String, Vec<String>)> {
        by_package(&self.host)
    }
}

/// Interface names grouped by package: `wasi:cli` → `environment`, `stdout`, … (versions
/// dropped; a name without a package stands alone), sorted.
pub fn by_package(names: &[String]) -> Vec<(String, Vec<String>)> {
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for name in names {
        let unversioned = name.split('@').next().unwrap_or(name);
        let (package, item) = unversioned.split_once('/').unwrap_or((unversioned, ""));
        let items = groups.entry(package.to_string()).or_default();
        if !item.is_empty() && !items.iter().any(|i| i == item) {
            items.push(item.to_string());
        }
    }
    groups
        .into_iter()
        .map(|(package, mut items)| {
            items.sort();
            (package, items)
        })
        .collect()
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
