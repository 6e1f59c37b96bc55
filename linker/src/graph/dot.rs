//! The graph in Graphviz's DOT language, for tools that draw or query graphs.

use std::fmt::Write;

use super::{human_size, Graph, Node};

/// A DOT string literal (quotes and backslashes escaped).
fn quoted(text: &str) -> String {
    quoted_lines(&[text.to_string()])
}

/// A DOT string literal of several lines.
fn quoted_lines(lines: &[String]) -> String {
    let escaped: Vec<String> = lines
        .iter()
        .map(|l| l.replace('\\', "\\\\").replace('"', "\\\""))
        .collect();
    format!("\"{}\"", escaped.join("\\n"))
}

/// A node's label lines: name, language and world, size.
pub(super) fn label_lines(node: &Node) -> Vec<String> {
    let mut lines = vec![if node.root {
        format!("{} (root)", node.name)
    } else {
        node.name.clone()
    }];
    let kind = [
        node.language.clone(),
        node.world.as_ref().map(|w| format!("world {w}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    if !kind.is_empty() {
        lines.push(kind);
    }
    lines.push(human_size(node.size));
    lines
}

impl Graph {
    /// The graph in DOT: a box per component (the root's bold), an arrow from importer to
    /// exporter labelled with the interface, and a dashed arrow to one `host` box labelled
    /// with the packages each component takes from the host.
    pub fn dot(&self, title: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quoted(title));
        let _ = writeln!(out, "  rankdir=TB;");
        let _ = writeln!(
            out,
            "  node [shape=box, style=rounded, fontname=\"Helvetica\"];"
        );
        let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
        for node in &self.nodes {
            let _ = writeln!(
                out,
                "  {} [label={}{}];",
                quoted(&node.name),
                quoted_lines(&label_lines(node)),
                if node.root { ", penwidth=2" } else { "" }
            );
        }
        for edge in &self.edges {
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                quoted(&edge.importer),
                quoted(&edge.exporter),
                quoted(&edge.interface)
            );
        }
        if self.nodes.iter().any(|n| !n.host.is_empty()) {
            let mut host = vec!["host".to_string()];
            for import in &self.imports {
                host.push(import.clone());
            }
            let _ = writeln!(
                out,
                "  \"(host)\" [shape=note, label={}];",
                quoted_lines(&host)
            );
            for node in self.nodes.iter().filter(|n| !n.host.is_empty()) {
                let packages = node
                    .host_groups()
                    .into_iter()
                    .map(|(package, _)| package)
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(
                    out,
                    "  {} -> \"(host)\" [style=dashed, label={}];",
                    quoted(&node.name),
                    quoted(&packages)
                );
            }
        }
        out.push_str("}\n");
        out
    }
}
