//! `compose build`: WIT → each component (built, or reused when its inputs did not change)
//! → checked against its world → one composition, planned, checked against the host and
//! linked (or reused) → the result and its report, written atomically into
//! `target/compose/<profile>/`, with the build folder locked against a concurrent build.

mod component;
mod fingerprint;
mod link;

use std::path::PathBuf;
use std::time::Duration;

use compose_fs::{Confined, DirLock};
use compose_linker::Link;
use compose_toolchains::{Language, Profile};
use compose_wit::ProjectWit;
use serde::{Deserialize, Serialize};

use super::fetch::{fetch, BuildOptions};
use crate::{ComposeHome, Manifest, ProjectError};

/// Progress of a build, for the CLI to show.
#[derive(Debug, Clone)]
pub enum BuildEvent<'a> {
    /// Another compose process is building this project; this one waits for it.
    Waiting { lock: &'a std::path::Path },
    /// A component is being built.
    Building {
        component: &'a str,
        language: Language,
    },
    /// A component's inputs did not change; its last build is reused.
    Fresh { component: &'a str },
    /// A component was built.
    Built {
        component: &'a str,
        bytes: usize,
        elapsed: Duration,
    },
    /// An artifact is being pulled from a registry (or taken from the cache).
    Pulling { what: &'a str },
    /// The composition is being linked.
    Linking { root: &'a str },
}

/// What a build produced (also written as `<project>.build.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildReport {
    /// The composed component.
    pub output: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// Whether nothing at all had to be redone.
    pub fresh: bool,
    /// `dev` or `release`.
    pub profile: String,
    /// Each component.
    pub components: Vec<ComponentReport>,
    /// Who provides what to whom.
    pub links: Vec<Link>,
    /// What the result imports from its host.
    pub imports: Vec<String>,
}

/// One component in a build report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentReport {
    /// Name in the manifest.
    pub name: String,
    /// Language.
    pub language: String,
    /// World.
    pub world: String,
    /// The built component.
    pub artifact: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// Whether it was reused from the last build.
    pub fresh: bool,
    /// Where its world is declared (`file:line:column`).
    pub declared_at: String,
    /// The interfaces (and functions) it imports and exports.
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// What every step of one build shares.
pub(super) struct Context<'a> {
    pub manifest: &'a Manifest,
    pub home: &'a ComposeHome,
    pub wit: &'a ProjectWit,
    pub profile: Profile,
    /// `target/compose/<profile>`.
    pub out: Confined,
    pub progress: &'a mut dyn FnMut(BuildEvent<'_>),
}

/// Builds every component of the project and links them; writes the result to
/// `target/compose/<profile>/<project>.wasm`.
pub fn build(
    manifest: &Manifest,
    home: &ComposeHome,
    options: BuildOptions,
    progress: &mut dyn FnMut(BuildEvent<'_>),
) -> Result<BuildReport, ProjectError> {
    let io = |what: String| move |e: std::io::Error| ProjectError::io(what, e);
    let out = manifest.out_dir();
    let out_path = out
        .create()
        .map_err(io(format!("create `{}`", out.path().display())))?;
    let lock_path = out_path.join(".lock");
    let _lock = DirLock::acquire(&out_path, &mut || {
        progress(BuildEvent::Waiting { lock: &lock_path })
    })
    .map_err(io(format!("lock `{}`", out_path.display())))?;

    let root = manifest.root()?;
    let pulled = fetch(manifest, home, options, &mut |what| {
        progress(BuildEvent::Pulling { what })
    })?;
    let wit = manifest.load_wit()?;
    let mut cx = Context {
        manifest,
        home,
        wit: &wit,
        profile: options.profile,
        out: out
            .join(options.profile.as_str())
            .map_err(io("use the profile's folder".into()))?,
        progress,
    };

    let mut ready = Vec::new();
    // Every component that does not match its world is reported, not only the first.
    let mut mismatched: Vec<ProjectError> = Vec::new();
    for decl in &manifest.components {
        let world = wit.world(&decl.world).map_err(|e| {
            manifest.error_at(
                decl.world_span.clone(),
                format!("component `{}`: {e}", decl.name),
                "unknown world",
                Some(format!(
                    "the worlds in `{}` are: {}",
                    manifest.wit_dir.display(),
                    wit.world_names().join(", ")
                )),
            )
        })?;
        let source = match &decl.source {
            crate::manifest::ComponentSource::Local { dir, .. } => dir.clone(),
            crate::manifest::ComponentSource::Prebuilt { file } => file.clone(),
            crate::manifest::ComponentSource::Registry { .. } => pulled
                .get(&decl.name)
                .cloned()
                .ok_or_else(|| ProjectError::Input {
                    message: format!("component `{}` was not pulled", decl.name),
                    help: "build again; if it persists, report it".into(),
                })?,
        };
        match component::build(&mut cx, decl, world, &source)? {
            Ok(r) => ready.push((decl, world, r)),
            Err(e) => mismatched.push(e),
        }
    }
    match mismatched.len() {
        0 => {}
        1 => return Err(mismatched.remove(0)),
        count => {
            let details = mismatched
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            return Err(ProjectError::WorldMismatches { count, details });
        }
    }
    link::link(&mut cx, root, ready)
}
