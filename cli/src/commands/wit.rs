//! `compose wit check|print|deps|diff`: WIT for CI, read only.

use std::path::{Path, PathBuf};

use compose_project::ops;
use compose_project::Manifest;
use compose_project::Message;

use super::ManifestArg;
use crate::output::status;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: WitCommand,
    /// Path to compose.toml, for the project's WIT folder (default: found in the current
    /// folder or its parents).
    #[arg(long, value_name = "PATH", global = true)]
    manifest_path: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum WitCommand {
    /// Parse and resolve a WIT package with its deps (default: the project's WIT folder).
    Check(PathArg),
    /// Print the resolved package, or the world of a `.wasm` component, as WIT.
    Print(PathArg),
    /// The dependency tree, with versions and where each package came from.
    Deps(PathArg),
    /// What changed from OLD to NEW (each a WIT folder or a `.wasm`), whom each change breaks,
    /// and whether the version says so: exits 1 when a breaking change lacks the bump it needs.
    Diff {
        /// The old version: a WIT folder or a `.wasm`.
        old: PathBuf,
        /// The new version.
        new: PathBuf,
    },
}

#[derive(clap::Args)]
struct PathArg {
    /// A WIT folder (or, where it makes sense, a `.wasm`); default: the project's WIT folder.
    path: Option<PathBuf>,
}

impl PathArg {
    /// The folder or file to read, and the project folder (for compose.lock) when known.
    fn resolve(
        &self,
        manifest_path: &Option<PathBuf>,
    ) -> miette::Result<(PathBuf, Option<PathBuf>)> {
        if let Some(p) = &self.path {
            return Ok((p.clone(), None));
        }
        let manifest: Manifest = ManifestArg {
            manifest_path: manifest_path.clone(),
        }
        .load()?;
        Ok((manifest.wit_dir.clone(), Some(manifest.root_dir.clone())))
    }
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let manifest_path = args.manifest_path;
    match args.command {
        WitCommand::Check(arg) => {
            let (path, _) = arg.resolve(&manifest_path)?;
            let loaded = ops::load_wit_source(&path)?;
            let package = &loaded.resolve.packages[loaded.package];
            if crate::output::json() {
                crate::output::emit(&Message::WitChecked {
                    package: package.name.to_string(),
                    kind: loaded.kind,
                    interfaces: package.interfaces.keys().map(String::as_str).collect(),
                    worlds: package.worlds.keys().map(String::as_str).collect(),
                    packages: loaded.resolve.packages.len(),
                });
                return Ok(0);
            }
            status(
                "Checked",
                &format!(
                    "{} ({}): {} interfaces, {} worlds, {} packages in all",
                    package.name,
                    loaded.kind,
                    package.interfaces.len(),
                    package.worlds.len(),
                    loaded.resolve.packages.len()
                ),
            );
            Ok(0)
        }
        WitCommand::Print(arg) => {
            let (path, _) = arg.resolve(&manifest_path)?;
            print!("{}", ops::wit_print(&path)?);
            Ok(0)
        }
        WitCommand::Deps(arg) => {
            let (path, project) = arg.resolve(&manifest_path)?;
            for node in ops::wit_deps(&path, project.as_deref())? {
                println!("{}{}  {}", "  ".repeat(node.depth), node.name, node.origin);
            }
            Ok(0)
        }
        WitCommand::Diff { old, new } => diff(&old, &new),
    }
}

fn diff(old: &Path, new: &Path) -> miette::Result<i32> {
    let d = ops::wit_diff(old, new)?;
    if crate::output::json() {
        for c in &d.changes {
            crate::output::emit(&Message::WitChange {
                item: &c.item,
                kind: c.kind.to_string(),
                detail: c.detail.as_deref(),
                importers: c.importers.to_string(),
                exporters: c.exporters.to_string(),
            });
        }
        let problem = d.version_problem();
        crate::output::emit(&Message::WitDiffFinished {
            old: &d.old,
            new: &d.new,
            changes: d.changes.len(),
            breaking: d.changes.iter().filter(|c| c.is_breaking()).count(),
            required_version: d.required_version().map(|v| v.to_string()),
            success: problem.is_none(),
            problem,
        });
        return Ok(if d.version_problem().is_some() { 1 } else { 0 });
    }
    println!("{} → {}", d.old, d.new);
    for c in &d.changes {
        let detail = c
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        println!(
            "  {:<8} {}{detail}\n           {} for importers, {} for exporters",
            c.kind.to_string(),
            c.item,
            c.importers,
            c.exporters
        );
    }
    let breaking = d.changes.iter().filter(|c| c.is_breaking()).count();
    let n = d.changes.len();
    println!(
        "{n} change{}, {breaking} breaking",
        if n == 1 { "" } else { "s" }
    );
    match d.version_problem() {
        Some(problem) => {
            println!("error: {problem}");
            Ok(1)
        }
        None => {
            if breaking > 0 {
                println!("ok: the version bump covers the breaking changes");
            }
            Ok(0)
        }
    }
}
