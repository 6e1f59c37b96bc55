//! `compose graph`: the composition as a picture (SVG), or as DOT or JSON for other tools,
//! read from a composed file — a project's build result, described further by its report.

use std::path::Path;

use compose_linker::Graph;

use super::BuildReport;
use crate::ProjectError;

/// How a graph is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Svg,
    Dot,
    Json,
}

impl GraphFormat {
    /// The format a file name asks for by its extension.
    pub fn of_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "svg" => Some(Self::Svg),
            "dot" | "gv" => Some(Self::Dot),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// The graph of the composed file at `path`.
pub fn graph_of_file(path: &Path) -> Result<Graph, ProjectError> {
    let bytes = super::wit::read_component(
        path,
        "give a composed component (`compose build` writes one to target/compose/<profile>/)",
    )?;
    Graph::read(&bytes).map_err(|e| located(path, e))
}

/// The graph of a project's build: its result read back, each component described with
/// the language and world of the manifest.
pub fn graph_of_build(report: &BuildReport) -> Result<Graph, ProjectError> {
    let mut graph = graph_of_file(&report.output)?;
    for c in &report.components {
        graph.describe(&c.name, &c.language, &c.world);
    }
    Ok(graph)
}

/// The graph in `format`, titled `title`.
pub fn render_graph(graph: &Graph, format: GraphFormat, title: &str) -> String {
    match format {
        GraphFormat::Svg => graph.svg(title),
        GraphFormat::Dot => graph.dot(title),
        GraphFormat::Json => {
            let mut json = serde_json::to_string_pretty(graph).unwrap_or_default();
            json.push('\n');
            json
        }
    }
}

/// Writes a rendered graph to `path`, whole or not at all.
pub fn write_graph(path: &Path, text: &str) -> Result<(), ProjectError> {
    crate::fsutil::write_atomic(path, text.as_bytes())
}

fn located(path: &Path, e: compose_linker::LinkError) -> ProjectError {
    ProjectError::Input {
        message: format!("`{}`: {e}", path.display()),
        help: "`compose graph` reads a component compose (or wac) composed; check it with `compose inspect`".into(),
    }
}
