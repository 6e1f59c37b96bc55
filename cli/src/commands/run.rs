use std::path::PathBuf;
use std::time::Duration;

use compose_project::ops::{self, RunOutcome, RunRequest};
use compose_project::sandbox::{
    show_size, Caching, Limits, RunError, COMPILE_BOUND, MAX_INSTANCES, MAX_MEMORIES, MAX_NESTING,
    MAX_TABLES,
};
use compose_project::ComposeHome;
use compose_project::ProjectError;

use super::ManifestArg;
use crate::output::{status, TRAP};
use crate::progress::Steps;

#[derive(clap::Args)]
pub struct Args {
    /// A component file to run instead of the project's composed result.
    file: Option<PathBuf>,
    /// Compose FILE with this library first, in memory (repeat for more): each import of
    /// FILE is taken from the one plug that exports it, as a build would link it.
    #[arg(long, value_name = "LIB.wasm", requires = "file")]
    plug: Vec<PathBuf>,
    /// Call one exported function instead of running the command, e.g.
    /// `--invoke 'greeter.greet({name: "Ada", languages: []})'` (arguments and results in WAVE).
    #[arg(long, value_name = "CALL")]
    invoke: Option<String>,
    #[command(flatten)]
    grants: super::sandbox::GrantArgs,
    /// Let the guest read this process's stdin.
    #[arg(long)]
    stdin: bool,
    #[command(flatten)]
    limits: super::sandbox::LimitArgs,
    /// Print what the run would be granted and its limits, and do not run.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    build: super::build::RegistryArgs,
    /// Arguments passed to the guest.
    #[arg(last = true)]
    args: Vec<String>,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let cli_grants = args.grants.grants(args.args, args.stdin);
    let limits = args.limits.limits();
    let manifest = match &args.file {
        Some(_) => None,
        None => Some(args.manifest.load()?),
    };
    let grants = ops::grants_for(manifest.as_ref(), cli_grants, &args.grants.env)?;
    let limits = ops::limits_for(manifest.as_ref(), limits);
    let described = grants.describe();
    let plugged = match &args.file {
        Some(file) if !args.plug.is_empty() => Some(ops::plug(file, &args.plug)?),
        _ => None,
    };
    if let Some(plugged) = &plugged {
        for unused in &plugged.unused {
            status(
                "Warning",
                &format!("plug `{unused}` provides nothing that is imported; it is left out"),
            );
        }
    }
    if let (true, Some(plugged)) = (args.explain, &plugged) {
        println!("{}: composed in memory", plugged.name);
        for link in &plugged.links {
            println!(
                "  {} imports {} from {}",
                link.importer, link.import, link.exporter
            );
        }
    }
    if args.explain {
        // What a run would be, without building or running anything.
        let path = match (&args.file, &manifest) {
            (Some(file), _) => file.clone(),
            (None, Some(m)) => m.output(args.build.options().profile),
            (None, None) => unreachable!("a manifest is loaded when no file is given"),
        };
        println!(
            "{}: granted {}",
            path.display(),
            if described.is_empty() {
                "nothing".into()
            } else {
                described.join("; ")
            }
        );
        println!("limits: {}", describe_limits(&limits));
        explain_capabilities(manifest.as_ref(), plugged.as_ref())?;
        return Ok(0);
    }
    let path = match (args.file, &manifest) {
        (Some(_), _) if plugged.is_some() => PathBuf::new(),
        (Some(file), _) => file,
        (None, Some(m)) => super::build::build(m, args.build.options())?.output,
        (None, None) => unreachable!("a manifest is loaded when no file is given"),
    };
    if !described.is_empty() {
        status("Granting", &described.join("; "));
    }
    let compile_steps: std::sync::Mutex<Option<Steps>> = std::sync::Mutex::new(None);
    let request = RunRequest {
        grants: &grants,
        limits: &limits,
        invoke: args.invoke.as_deref(),
        compiling: &|path, step| {
            let mut steps = compile_steps.lock().unwrap_or_else(|e| e.into_inner());
            let caching = match step {
                ops::Compiling::Started(caching) => caching,
                // The spinner goes before the guest writes anything.
                ops::Compiling::Over => return drop(steps.take()),
            };
            let note = match caching {
                Caching::Kept => "once; the compiled code is cached".to_string(),
                Caching::ReadOnly => {
                    "the compiled-code cache cannot be written, so every run compiles".to_string()
                }
                Caching::Off => "not cached".to_string(),
            };
            steps.get_or_insert_with(Steps::new).start(
                "",
                "Compiling",
                &format!("{} ({note})", path.display()),
            );
        },
    };
    let home = ComposeHome::from_env();
    let outcome = match &plugged {
        Some(plugged) => ops::run_plugged(plugged, request, &home),
        None => ops::run(&path, request, &home),
    };
    match outcome {
        Ok(RunOutcome::Exited(code)) => Ok(code),
        Ok(RunOutcome::Returned(invoked)) => {
            for result in &invoked.results {
                println!("{result}");
            }
            Ok(0)
        }
        // A stopped guest is an outcome of the run, with its own exit code per cause.
        Err(ProjectError::Run(e @ (RunError::Limit { .. } | RunError::Trap { .. }))) => {
            let code = match &e {
                RunError::Limit { kind, .. } => kind.exit_code(),
                _ => TRAP,
            };
            eprintln!("{:?}", miette::Report::new(e));
            Ok(code)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn describe_limits(limits: &Limits) -> String {
    let mut out = Vec::new();
    out.push(match limits.max_memory {
        Some(m) => format!("memory {} for the whole run", show_size(m)),
        None => "memory up to 4GiB per linear memory".into(),
    });
    match (limits.timeout, limits.wall_clock()) {
        (Some(t), _) => out.push(format!("timeout {} (compiling included)", humantime_fmt(t))),
        (None, Some(w)) => out.push(format!(
            "no timeout, but {} of waiting at most, as the fuel allows",
            humantime_fmt(w)
        )),
        (None, None) => out.push("no timeout".into()),
    }
    out.push(match limits.fuel {
        Some(f) => format!("fuel {f}"),
        None => "no fuel metering".into(),
    });
    out.push(format!(
        "stack {}",
        limits
            .max_stack
            .map(|s| show_size(s as u64))
            .unwrap_or_else(|| "512KiB".into())
    ));
    out.push(format!(
        "at most {MAX_INSTANCES} instances, {MAX_MEMORIES} memories and {MAX_TABLES} tables; components nested at most {MAX_NESTING} deep, compiled within {}",
        humantime_fmt(COMPILE_BOUND)
    ));
    out.join("; ")
}

fn humantime_fmt(d: Duration) -> String {
    compose_project::sandbox::format_duration(d)
}

/// What each component may use: a project's from its manifest, a plugged run's libraries
/// nothing.
pub(super) fn explain_capabilities(
    manifest: Option<&compose_project::Manifest>,
    plugged: Option<&ops::Plugged>,
) -> miette::Result<()> {
    let capabilities = match (plugged, manifest) {
        (Some(plugged), _) => plugged
            .confinements
            .iter()
            .map(|c| ops::Capabilities::of(&c.component, &Default::default()))
            .collect(),
        (None, Some(manifest)) if manifest.components.len() > 1 => ops::capabilities(manifest)?,
        _ => return Ok(()),
    };
    if crate::output::json() {
        for c in &capabilities {
            crate::output::emit(&compose_project::Message::Capabilities(c));
        }
        return Ok(());
    }
    println!("each component:");
    for c in &capabilities {
        println!("  {}: {}", c.component, c.describe());
    }
    Ok(())
}
