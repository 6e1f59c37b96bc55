//! `compose build`: WIT → each component (built, or reused when its inputs did not change)
//! → checked against its world → one composition, planned, checked against the host and
//! linked (or reused) → the result and its report, written atomically into
//! `target/compose/<profile>/`, with the build folder locked against a concurrent build.

mod budget;
mod component;
mod fingerprint;
mod link;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use compose_fs::{Confined, DirLock};
use compose_linker::{Confinement, Link};
pub use compose_runtime::StartUpRead;
use compose_toolchains::{Language, Profile};
use compose_wit::wit_parser::WorldId;
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
    /// A built component is being pre-initialized (`preinit = true`): its start-up runs
    /// once, in the sandbox, and is snapshotted.
    Preinitializing { component: &'a str },
    /// A component's start-up read something from the host, which its snapshot keeps as
    /// it was at build time: every instance shares it.
    Preinitialized {
        component: &'a str,
        read: &'a [StartUpRead],
    },
    /// A component was built.
    Built {
        component: &'a str,
        bytes: usize,
        elapsed: Duration,
        /// How long each step took: bindings, compile, componentize, check, preinit, write.
        timings: &'a [Timing],
    },
    /// An artifact is being pulled from a registry (or taken from the cache).
    Pulling { what: &'a str },
    /// The components are wired as a `.wac` composition script says.
    Script { path: &'a std::path::Path },
    /// The composition is being linked.
    Linking { root: &'a str },
    /// Nothing wired `import`, several components export it, and exactly one assignment used
    /// every component without a cycle: `chain` (`app → middle → leaf`) was taken.
    Wired { import: &'a str, chain: &'a str },
    /// The result is being compiled into the cache, so that the first run is as quick as
    /// any other.
    Compiling { output: &'a std::path::Path },
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
    /// How each component but the root gets WASI: from the host, or narrowed or denied by
    /// its virtual component.
    #[serde(default)]
    pub confinements: Vec<Confinement>,
    /// Where nothing was wired and several components export an import, the providers
    /// chosen because they were the only answer.
    #[serde(default)]
    pub inferred: Vec<compose_linker::Inferred>,
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
    /// How long each step of its build took (empty when it was reused).
    #[serde(default)]
    pub timings: Vec<Timing>,
}

/// One timed step of a component's build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// `bindings`, `compile`, `componentize`, `check`, `preinit` or `write`.
    pub step: String,
    pub seconds: f64,
}

/// What every step of one build shares.
pub(super) struct Context<'a> {
    pub manifest: &'a Manifest,
    pub home: &'a ComposeHome,
    pub wit: &'a ProjectWit,
    pub profile: Profile,
    /// `target/compose/<profile>`.
    pub out: Confined,
    /// Tokens shared with the compilers compose starts (cargo takes part): at most `jobs`
    /// things compile at once.
    pub jobs: &'a jobserver::Client,
    progress: Mutex<&'a mut (dyn FnMut(BuildEvent<'_>) + Send)>,
}

impl Context<'_> {
    /// Tells the caller about progress (from any build thread).
    pub fn tell(&self, event: BuildEvent<'_>) {
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        (*progress)(event)
    }
}

/// Builds every component of the project and links them; writes the result to
/// `target/compose/<profile>/<project>.wasm`.
pub fn build(
    manifest: &Manifest,
    home: &ComposeHome,
    options: BuildOptions,
    progress: &mut (dyn FnMut(BuildEvent<'_>) + Send),
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
    let jobs = options.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let tokens = jobserver::Client::new(jobs).map_err(io("make a jobserver".into()))?;
    let cx = Context {
        manifest,
        home,
        wit: &wit,
        profile: options.profile,
        out: out
            .join(options.profile.as_str())
            .map_err(io("use the profile's folder".into()))?,
        jobs: &tokens,
        progress: Mutex::new(progress),
    };

    // Where each component comes from and which world it implements: errors here come
    // before any build starts.
    let mut planned = Vec::new();
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
        planned.push((decl, world, source));
    }
    // Independent components build at once, each holding a token while it builds.
    let results = build_all(&cx, &planned, jobs);
    let mut ready = Vec::new();
    // Every component that does not match its world is reported, not only the first.
    let mut mismatched: Vec<ProjectError> = Vec::new();
    for ((decl, world, _), result) in planned.iter().zip(results) {
        match result? {
            Ok(r) => ready.push((*decl, *world, r)),
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
    let report = link::link(&cx, root, ready)?;
    budget::check(manifest, &report)?;
    precompile(manifest, home, &report, &cx)?;
    Ok(report)
}

type Built = Result<Result<component::Ready, ProjectError>, ProjectError>;

/// Builds every planned component on up to `jobs` threads; results in the planned order.
fn build_all(
    cx: &Context<'_>,
    planned: &[(&crate::manifest::ComponentDecl, WorldId, PathBuf)],
    jobs: usize,
) -> Vec<Built> {
    // In parallel, the slowest kinds start first, so that no long build is left to run alone
    // at the end; one at a time, in the manifest's order.
    let mut order: Vec<usize> = (0..planned.len()).collect();
    if jobs > 1 {
        order.sort_by_key(|&i| std::cmp::Reverse(expected_cost(planned[i].0.language())));
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Built>>> = planned.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, planned.len().max(1)) {
            scope.spawn(|| loop {
                let Some(&i) = order.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return;
                };
                let (decl, world, source) = &planned[i];
                let built = match cx.jobs.acquire() {
                    Ok(_token) => component::build(cx, decl, *world, source),
                    Err(e) => Err(ProjectError::io("take a jobserver token", e)),
                };
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(built);
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    Err(ProjectError::Input {
                        message: "a component's build thread stopped".into(),
                        help: "build again; if it persists, report it".into(),
                    })
                })
        })
        .collect()
}

/// How long a component of `language` usually takes to build, relatively (componentize-py
/// takes seconds, a Go build a few, cargo a few more when cold, C well under one).
fn expected_cost(language: Language) -> u8 {
    match language {
        Language::Python => 4,
        Language::Rust => 3,
        Language::Go => 2,
        Language::C => 1,
        Language::Wasm => 0,
    }
}

/// Compiles the result into the compiled-code cache, for the engine a plain `compose run` of
/// the project uses (its `[run]` limits): the first run starts as fast as the next. A result
/// already there (by file identity) costs a lookup.
fn precompile(
    manifest: &Manifest,
    home: &ComposeHome,
    report: &BuildReport,
    cx: &Context<'_>,
) -> Result<(), ProjectError> {
    let limits = super::run::limits_for(Some(manifest), compose_runtime::Limits::default());
    let runtime = compose_runtime::Runtime::new(Some(home.compiled_cache()), &limits)?;
    runtime.load_file(&report.output, &mut |_| {
        cx.tell(BuildEvent::Compiling {
            output: &report.output,
        })
    })?;
    Ok(())
}
