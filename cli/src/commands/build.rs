use std::time::Instant;

use compose_project::ops::{self, BuildEvent};
use compose_project::{ComposeHome, Message, Profile};

use super::ManifestArg;
use crate::output::{size, status};
use crate::progress::Steps;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// How a build may use registries.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct RegistryArgs {
    /// Fail if compose.lock would change (for CI).
    #[arg(long)]
    pub locked: bool,
    /// Never contact a registry: take what the build needs from the cache.
    #[arg(long)]
    pub offline: bool,
    /// Build optimised, with assertions compiled out (`NDEBUG`, no debug assertions), into
    /// target/compose/release; the default is the dev profile, with assertions live.
    #[arg(long)]
    pub release: bool,
    /// Build at most N things at once (components, and cargo's own jobs, which share
    /// compose's tokens); default: the number of cores.
    #[arg(short, long, value_name = "N", env = "COMPOSE_JOBS", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

impl RegistryArgs {
    pub fn options(self) -> ops::BuildOptions {
        ops::BuildOptions {
            locked: self.locked,
            offline: self.offline,
            profile: if self.release {
                Profile::Release
            } else {
                Profile::Dev
            },
            jobs: self.jobs.map(usize::from),
        }
    }
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let manifest = args.manifest.load()?;
    let report = build(&manifest, args.registry.options())?;
    if crate::output::json() {
        for c in &report.components {
            crate::output::emit(&Message::component(c));
        }
        crate::output::emit(&Message::BuildFinished {
            success: true,
            output: &report.output,
            size: report.size,
            fresh: report.fresh,
            profile: &report.profile,
            links: &report.links,
            imports: &report.imports,
        });
    }
    Ok(0)
}

/// Builds the project, printing progress; shared with `compose run` and `compose test`.
pub fn build(
    manifest: &compose_project::Manifest,
    options: ops::BuildOptions,
) -> miette::Result<ops::BuildReport> {
    let started = Instant::now();
    let home = ComposeHome::from_env();
    let mut steps = Steps::new();
    // The build's own steps after the components (link, compile) share one spinner.
    const RESULT: &str = "";
    let report = ops::build(manifest, &home, options, &mut |event| match event {
        BuildEvent::Waiting { lock } => steps.start(
            RESULT,
            "Blocking",
            &format!(
                "waiting for another build of this project (lock `{}`)",
                lock.display()
            ),
        ),
        BuildEvent::Building {
            component,
            language,
        } => steps.start(component, "Building", &format!("{component} ({language})")),
        BuildEvent::Fresh { component } => steps.line("Fresh", component),
        BuildEvent::Preinitializing { component } => steps.start(
            component,
            "Preinit",
            &format!("{component} (running its start-up once, to snapshot it)"),
        ),
        BuildEvent::Preinitialized { component, read } => {
            for read in read {
                steps.line(
                    "Note",
                    &format!("{component}: its start-up read {}", read.consequence()),
                );
            }
        }
        BuildEvent::Built {
            component,
            bytes,
            elapsed,
        } => steps.finish(
            component,
            "Built",
            &format!(
                "{component} ({}, {:.1}s)",
                size(bytes),
                elapsed.as_secs_f64()
            ),
        ),
        BuildEvent::Pulling { what } => steps.line("Pulling", what),
        BuildEvent::Linking { root } => steps.start(
            RESULT,
            "Linking",
            &format!("{} (root: {root})", manifest.name),
        ),
        BuildEvent::Compiling { output } => steps.start(
            RESULT,
            "Compiling",
            &format!(
                "{} (for the first run; cached)",
                output
                    .strip_prefix(&manifest.root_dir)
                    .unwrap_or(output)
                    .display()
            ),
        ),
    });
    drop(steps);
    let report = report?;
    let shown = report
        .output
        .strip_prefix(&manifest.root_dir)
        .unwrap_or(&report.output)
        .display()
        .to_string();
    status(
        "Finished",
        &format!(
            "{shown} ({}) in {:.2}s",
            size(report.size),
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(report)
}
