//! One component of a build: reused when its fingerprint holds, else built with its
//! language's toolchain, componentized if it is a core module, and checked against its world.

use std::path::{Path, PathBuf};
use std::time::Instant;

use compose_linker::Adapter;
use compose_toolchains::{BuildInput, ModuleKind, Output, StringEncoding};
use compose_wit::wit_parser::WorldId;

use super::fingerprint::Fingerprint;
use super::{BuildEvent, Context, Timing};
use crate::manifest::ComponentDecl;
use crate::ProjectError;

/// A component ready to link.
pub(super) struct Ready {
    /// Its bytes, when they were just built (a fresh component's are read only if the link
    /// has to be made again).
    pub bytes: Option<Vec<u8>>,
    pub fresh: bool,
    pub artifact: PathBuf,
    /// The digest of everything it was built from.
    pub digest: String,
    /// How long each step of its build took (none when it was fresh).
    pub timings: Vec<Timing>,
}

impl Ready {
    /// Its bytes, read from its artifact when they are not in memory.
    pub fn take_bytes(&mut self) -> Result<Vec<u8>, ProjectError> {
        match self.bytes.take() {
            Some(b) => Ok(b),
            None => std::fs::read(&self.artifact)
                .map_err(|e| ProjectError::io(format!("read `{}`", self.artifact.display()), e)),
        }
    }
}

/// Builds `decl` from `source` (its folder, or the file it is), or reuses its last build.
/// `Ok(Err(..))` is a component that built but does not match its world: the build goes on
/// to report every such component, not only the first.
pub(super) fn build(
    cx: &Context<'_>,
    decl: &ComponentDecl,
    world: WorldId,
    source: &Path,
) -> Result<Result<Ready, ProjectError>, ProjectError> {
    let io = |what: String| move |e: std::io::Error| ProjectError::io(what, e);
    let dir = cx
        .out
        .join(Path::new("components").join(&decl.name))
        .map_err(io(format!("use component name `{}`", decl.name)))?;
    let artifact = dir.path().join(format!("{}.wasm", decl.name));
    let stamp = dir.path().join("fingerprint.json");
    let key = format!(
        "{}|{}{}",
        compose_toolchains::fingerprint(
            decl.language(),
            cx.home.tools(),
            cx.profile,
            &decl.bindings
        ),
        decl.world,
        if decl.preinit { "|preinit" } else { "" }
    );
    let previous = Fingerprint::read(&stamp);
    let mut trees = vec![source, cx.manifest.wit_dir.as_path()];
    trees.extend(decl.include.iter().map(PathBuf::as_path));
    let reported = previous
        .as_ref()
        .map(|p| p.reported.clone())
        .unwrap_or_default();
    let now = Fingerprint::compute(key.clone(), &trees, &reported, previous.as_ref())
        .map_err(io(format!("read the sources of `{}`", decl.name)))?;
    if artifact.is_file() && previous.as_ref().is_some_and(|p| p.same_inputs(&now)) {
        cx.tell(BuildEvent::Fresh {
            component: &decl.name,
        });
        return Ok(Ok(Ready {
            bytes: None,
            fresh: true,
            artifact,
            digest: now.digest(),
            timings: Vec::new(),
        }));
    }

    cx.tell(BuildEvent::Building {
        component: &decl.name,
        language: decl.language(),
    });
    let started = Instant::now();
    dir.create()
        .map_err(io(format!("create `{}`", dir.path().display())))?;
    // Stamp gone first: a build interrupted from here on is redone next time.
    let _ = std::fs::remove_file(&stamp);
    let work = dir
        .join("work")
        .map_err(io(format!("use `{}`", dir.path().display())))?;
    work.remove()
        .map_err(io(format!("clean `{}`", work.path().display())))?;
    let work_dir = work
        .create()
        .map_err(io(format!("create `{}`", work.path().display())))?;
    let input = BuildInput {
        name: &decl.name,
        language: decl.language(),
        source_dir: source,
        wit: cx.wit,
        world,
        work_dir: &work_dir,
        profile: cx.profile,
        options: &decl.bindings,
        include: &decl.include,
        jobs: Some(cx.jobs),
    };
    let mut timings = Timings::default();
    let built = compose_toolchains::build(&input, cx.home.tools())?;
    let compiled = timings.lap();
    if let Some(bindings) = built.bindings.filter(|b| *b <= compiled) {
        timings.add("bindings", bindings);
        timings.add("compile", compiled - bindings);
    } else {
        timings.add("compile", compiled);
    }
    // A core module with a reactor's start-up is snapshotted before the WASI adapter joins
    // it: preview 1 has no handles to lose (see compose_runtime's preinit). Go commands
    // have one too (they are built as reactors); C commands start up inside `_start`.
    let preinit_core = decl.preinit
        && matches!(&built.output, Output::CoreModule { bytes, .. } if compose_runtime::has_start_up(bytes));
    let bytes = match built.output {
        Output::Component(bytes) => bytes,
        Output::CoreModule {
            bytes,
            kind,
            encoding,
        } => {
            let bytes = if preinit_core {
                let bytes = preinitialize(cx, decl, &bytes)?;
                timings.step("preinit");
                bytes
            } else {
                bytes
            };
            let adapter = match kind {
                ModuleKind::Reactor => Adapter::Reactor,
                ModuleKind::Command => Adapter::Command,
            };
            let encoding = match encoding {
                StringEncoding::Utf8 => compose_linker::StringEncoding::UTF8,
                StringEncoding::Utf16 => compose_linker::StringEncoding::UTF16,
                StringEncoding::CompactUtf16 => compose_linker::StringEncoding::CompactUTF16,
            };
            let component = compose_linker::componentize(
                &decl.name,
                &bytes,
                &cx.wit.resolve,
                world,
                adapter,
                encoding,
            )?;
            timings.step("componentize");
            component
        }
    };
    if let Err(e) = check_world(cx, decl, &bytes, world) {
        return Ok(Err(e));
    }
    timings.step("check");
    let bytes = if decl.preinit && !preinit_core {
        let bytes = preinitialize(cx, decl, &bytes)?;
        timings.step("preinit");
        bytes
    } else {
        bytes
    };
    dir.write(&format!("{}.wasm", decl.name), &bytes)
        .map_err(io(format!("write `{}`", artifact.display())))?;
    let done = Fingerprint::compute(key, &trees, &built.inputs, Some(&now))
        .map_err(io(format!("read the sources of `{}`", decl.name)))?;
    dir.write("fingerprint.json", &done.to_bytes())
        .map_err(io(format!("write `{}`", stamp.display())))?;
    timings.step("write");
    cx.tell(BuildEvent::Built {
        component: &decl.name,
        bytes: bytes.len(),
        elapsed: started.elapsed(),
        timings: &timings.steps,
    });
    Ok(Ok(Ready {
        bytes: Some(bytes),
        fresh: false,
        artifact,
        digest: done.digest(),
        timings: timings.steps,
    }))
}

/// The steps of one component's build, timed one after another.
struct Timings {
    steps: Vec<Timing>,
    since: Instant,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            steps: Vec::new(),
            since: Instant::now(),
        }
    }
}

impl Timings {
    /// The time since the last step ended, and a new lap.
    fn lap(&mut self) -> std::time::Duration {
        let now = Instant::now();
        let elapsed = now - self.since;
        self.since = now;
        elapsed
    }

    fn add(&mut self, step: &'static str, elapsed: std::time::Duration) {
        self.steps.push(Timing {
            step: step.to_string(),
            seconds: elapsed.as_secs_f64(),
        });
    }

    /// Ends `step` now.
    fn step(&mut self, step: &'static str) {
        let elapsed = self.lap();
        self.add(step, elapsed);
    }
}

/// `bytes` (a component, or the reactor module it is made from) snapshotted after its
/// start-up; says what start-up read, which every instance now shares.
fn preinitialize(
    cx: &Context<'_>,
    decl: &ComponentDecl,
    bytes: &[u8],
) -> Result<Vec<u8>, ProjectError> {
    cx.tell(BuildEvent::Preinitializing {
        component: &decl.name,
    });
    // Not cached: the instrumented code is compiled for this one instantiation.
    let done = compose_runtime::Runtime::new(None, &compose_runtime::PREINIT_LIMITS)?
        .preinitialize(&decl.name, bytes)?;
    if !done.read.is_empty() {
        cx.tell(BuildEvent::Preinitialized {
            component: &decl.name,
            read: &done.read,
        });
    }
    Ok(done.bytes)
}

/// Fails when a built component does not implement its declared world.
fn check_world(
    cx: &Context<'_>,
    decl: &ComponentDecl,
    bytes: &[u8],
    world: WorldId,
) -> Result<(), ProjectError> {
    let mismatches = compose_wit::contract::check(bytes, &decl.name, &cx.wit.resolve, world)?;
    if mismatches.is_empty() {
        return Ok(());
    }
    Err(ProjectError::WorldMismatch {
        component: decl.name.clone(),
        world: decl.world.clone(),
        declared_at: cx
            .wit
            .resolve
            .source_map
            .render_location(cx.wit.resolve.worlds[world].span),
        mismatches: mismatches
            .iter()
            .map(|m| format!("  - {m}"))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}
