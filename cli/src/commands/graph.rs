//! `compose graph [FILE.wasm] [--format svg|dot|json] [-o FILE]`: the composition as a
//! picture, or as DOT or JSON for other tools.

use std::io::Write;
use std::path::PathBuf;

use compose_project::ops::{self, GraphFormat};

use super::build::RegistryArgs;
use super::ManifestArg;
use crate::output::status;

#[derive(clap::Args)]
pub struct Args {
    /// A composed `.wasm` (default: the project's, built first if it is not up to date).
    file: Option<PathBuf>,
    /// `svg` (drawn by compose), `dot` (Graphviz) or `json`; default: from `-o`'s
    /// extension, else `svg`.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Where to write it (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    Svg,
    Dot,
    Json,
}

impl From<Format> for GraphFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Svg => GraphFormat::Svg,
            Format::Dot => GraphFormat::Dot,
            Format::Json => GraphFormat::Json,
        }
    }
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let format = args
        .format
        .map(GraphFormat::from)
        .or_else(|| args.output.as_deref().and_then(GraphFormat::of_path))
        .unwrap_or(GraphFormat::Svg);
    let (graph, title) = match &args.file {
        Some(file) => (
            ops::graph_of_file(file)?,
            file.file_stem().map_or_else(
                || "composition".into(),
                |s| s.to_string_lossy().into_owned(),
            ),
        ),
        None => {
            let manifest = args.manifest.load()?;
            let report = super::build::build(&manifest, args.registry.options())?;
            (ops::graph_of_build(&report)?, manifest.name.clone())
        }
    };
    let text = ops::render_graph(&graph, format, &title);
    match &args.output {
        Some(path) => {
            ops::write_graph(path, &text)?;
            status(
                "Wrote",
                &format!(
                    "{} ({} components, {} links)",
                    path.display(),
                    graph.nodes.len(),
                    graph.edges.len()
                ),
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A reader that stops early (`| head`) ends the output, not compose.
            if let Err(e) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(miette::miette!("cannot write the graph: {e}"));
                }
            }
        }
    }
    Ok(0)
}
