use std::path::PathBuf;
use std::time::Duration;

use compose_project::ops::{self, RunOutcome, RunRequest};
use compose_project::sandbox::{
    parse_duration, parse_size, show_size, Caching, DirGrant, EnvGrant, Grants, Limits, NetRule,
    RunError, COMPILE_BOUND, MAX_INSTANCES, MAX_MEMORIES, MAX_NESTING, MAX_TABLES,
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
    /// Call one exported function instead of running the command, e.g.
    /// `--invoke 'greeter.greet({name: "Ada", languages: []})'` (arguments and results in WAVE).
    #[arg(long, value_name = "CALL")]
    invoke: Option<String>,
    /// Grant a directory: `host::guest`, read-only unless it ends in `:rw`.
    #[arg(long = "dir", value_name = "HOST::GUEST[:rw]", value_parser = DirGrant::parse)]
    dirs: Vec<DirGrant>,
    /// Grant an environment variable: `NAME=value`, or `NAME` to pass the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = EnvGrant::parse)]
    env: Vec<EnvGrant>,
    /// Let the guest read this process's stdin.
    #[arg(long)]
    stdin: bool,
    /// Let the guest connect to or bind these addresses (TCP and UDP): `IP`, `IP:PORT`,
    /// `*:PORT`, `[IPv6]:PORT`; alone, any address. Repeatable.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "*", value_parser = NetRule::parse)]
    allow_net: Vec<NetRule>,
    /// Let the guest bind these addresses to listen or receive on (TCP and UDP): `IP:PORT`,
    /// `*:PORT`, ...; a rule of `--allow-net` never lets it accept connections. Repeatable.
    #[arg(long, value_name = "ADDR", value_parser = NetRule::parse)]
    allow_listen: Vec<NetRule>,
    /// Let the guest resolve host names.
    #[arg(long)]
    allow_name_lookup: bool,
    /// Cap the guest's memory, e.g. `64MiB`.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Stop the guest after this long, e.g. `1s`, `500ms`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// Stop the guest after this much fuel (about one unit per wasm instruction).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Cap the guest's wasm stack, e.g. `1MiB` (default 512KiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_stack: Option<u64>,
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
    let cli_grants = Grants {
        dirs: args.dirs,
        env: Vec::new(),
        args: args.args,
        stdin: args.stdin,
        network: args.allow_net,
        listen: args.allow_listen,
        name_lookup: args.allow_name_lookup,
    };
    let limits = Limits {
        max_memory: args.max_memory,
        timeout: args.timeout,
        fuel: args.fuel,
        max_stack: args.max_stack.map(|s| s as usize),
    };
    let manifest = match &args.file {
        Some(_) => None,
        None => Some(args.manifest.load()?),
    };
    let grants = ops::grants_for(manifest.as_ref(), cli_grants, &args.env)?;
    let limits = ops::limits_for(manifest.as_ref(), limits);
    let described = grants.describe();
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
        return Ok(0);
    }
    let path = match (args.file, &manifest) {
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
    match ops::run(&path, request, &ComposeHome::from_env()) {
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

fn describe_limits(limits: &Limits) -> String {
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
