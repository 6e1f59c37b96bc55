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
    /// Print how long each step of each component took (bindings, compile, componentize,
    /// check, preinit), then the link and the compile for the first run.
    #[arg(long)]
    timings: bool,
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
    let report = build_timed(&manifest, args.registry.options(), args.timings)?;
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
            inferred: &report.inferred,
        });
    }
    Ok(0)
}

/// Builds the project, printing progress; shared with `compose run` and `compose test`.
pub fn build(
    manifest: &compose_project::Manifest,
    options: ops::BuildOptions,
) -> miette::Result<ops::BuildReport> {
    build_timed(manifest, options, false)
}

/// Builds the project, printing progress and, with `timings`, how long each step took.
fn build_timed(
    manifest: &compose_project::Manifest,
    options: ops::BuildOptions,
    timings: bool,
) -> miette::Result<ops::BuildReport> {
    let started = Instant::now();
    // When the link and the compile for the first run started, for `--timings`.
    let mut linking: Option<Instant> = None;
    let mut compiling: Option<Instant> = None;
    let home = ComposeHome::from_env();
    let mut steps = Steps::new();
    // The build's own steps after the components (link, compile) share one spinner.
    const RESULT: &str = "";
    let report = ops::build(manifest, &home, options, &mut |event| {
        match event {
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
            ..
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
        BuildEvent::Linking { root } => {
            linking = Some(Instant::now());
            steps.start(
                RESULT,
                "Linking",
                &format!("{} (root: {root})", manifest.name),
            )
        }
        BuildEvent::Script { path } => steps.line(
            "Wiring",
            &format!(
                "as {} says",
                path.strip_prefix(&manifest.root_dir).unwrap_or(path).display()
            ),
        ),
        BuildEvent::Wired { import, chain } => steps.line(
            "Wired",
            &format!("{chain} for {import}: nothing was wired, and it is the only acyclic chain that uses every component"),
        ),
        BuildEvent::Compiling { output } => {
            compiling = Some(Instant::now());
            steps.start(
                RESULT,
                "Compiling",
                &format!(
                    "{} (for the first run; cached)",
                    output
                        .strip_prefix(&manifest.root_dir)
                        .unwrap_or(output)
                        .display()
                ),
            )
        }
    }
    });
    drop(steps);
    let finished = Instant::now();
    let report = report?;
    if timings {
        print_timings(&report, linking, compiling, finished);
    }
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

/// The `--timings` table: each component's steps, then the link and the first-run compile.
fn print_timings(
    report: &ops::BuildReport,
    linking: Option<Instant>,
    compiling: Option<Instant>,
    finished: Instant,
) {
    let width = report
        .components
        .iter()
        .map(|c| c.name.len() + c.language.len() + 3)
        .max()
        .unwrap_or(0);
    eprintln!("Timings:");
    for c in &report.components {
        let label = format!("{} ({})", c.name, c.language);
        if c.timings.is_empty() {
            eprintln!("  {label:<width$}  fresh (reused)");
            continue;
        }
        let total: f64 = c.timings.iter().map(|t| t.seconds).sum();
        let steps: Vec<String> = c
            .timings
            .iter()
            .map(|t| format!("{} {:.2}s", t.step, t.seconds))
            .collect();
        eprintln!("  {label:<width$}  {}  = {total:.2}s", steps.join("  "));
    }
    let link_end = compiling.unwrap_or(finished);
    match linking {
        Some(start) => eprintln!(
            "  {:<width$}  {:.2}s",
            "link",
            (link_end - start).as_secs_f64()
        ),
        None => eprintln!("  {:<width$}  fresh (reused)", "link"),
    }
    if let Some(start) = compiling {
        eprintln!(
            "  {:<width$}  {:.2}s",
            "compile for the first run",
            (finished - start).as_secs_f64()
        );
    }
}
