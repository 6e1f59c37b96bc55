//! `compose run`: the project's composed result (built first) or any component file, in
//! the sandbox, with exactly the grants asked for.

use std::path::Path;

use compose_runtime::{Caching, EnvGrant, Grants, Invoked, Limits, Loaded, RunError, Runtime};

use crate::{ComposeHome, Manifest, ProjectError};

/// The grants of a run: the manifest's `[run]` table (if any) plus the command line's
/// (`env` there: `NAME=value`, or `NAME` to pass the host's value of NAME and nothing else).
/// A host variable that is not UTF-8 is an error; one the host does not have is not granted.
pub fn grants_for(
    manifest: Option<&Manifest>,
    mut extra: Grants,
    env: &[EnvGrant],
) -> Result<Grants, ProjectError> {
    let mut wanted: Vec<EnvGrant> = Vec::new();
    if let Some(m) = manifest {
        let mut dirs = m.run.dirs.clone();
        dirs.append(&mut extra.dirs);
        extra.dirs = dirs;
        wanted.extend(m.run.env.iter().cloned());
        let mut network = m.run.network.clone();
        network.append(&mut extra.network);
        extra.network = network;
        extra.name_lookup |= m.run.name_lookup;
    }
    wanted.extend(env.iter().cloned());
    for grant in wanted {
        let resolved = grant.resolve().map_err(|message| ProjectError::Input {
            message,
            help: "give the variable's value on the command line, or leave it out".into(),
        })?;
        extra.env.extend(resolved);
    }
    Ok(extra)
}

/// The limits of a run: each flag given on the command line, else the manifest's `[run]`.
pub fn limits_for(manifest: Option<&Manifest>, flags: Limits) -> Limits {
    let base = manifest.map(|m| m.run.limits).unwrap_or_default();
    Limits {
        max_memory: flags.max_memory.or(base.max_memory),
        timeout: flags.timeout.or(base.timeout),
        fuel: flags.fuel.or(base.fuel),
        max_stack: flags.max_stack.or(base.max_stack),
    }
}

/// What a run does: run the command, or call one function.
#[derive(Clone, Copy)]
pub struct RunRequest<'a> {
    /// What the guest may touch.
    pub grants: &'a Grants,
    /// What it may consume.
    pub limits: &'a Limits,
    /// `Some("iface.func(args)")` to call one function instead of running `wasi:cli/run`.
    pub invoke: Option<&'a str>,
    /// Told when the component has to be compiled first (not found in the cache), with
    /// whether the compiled code will be kept, and again when that compilation is over.
    pub compiling: &'a dyn Fn(&Path, Compiling),
}

/// The steps of compiling a component before a run (it can take seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiling {
    /// Compiling starts.
    Started(Caching),
    /// It is over (the run starts, or the compile failed).
    Over,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// A command exited with this code.
    Exited(i32),
    /// An invoked function returned.
    Returned(Invoked),
}

/// Runs the component file at `path`: as a command, or by invoking one function.
pub fn run(
    path: &Path,
    request: RunRequest<'_>,
    home: &ComposeHome,
) -> Result<RunOutcome, ProjectError> {
    let runtime = Runtime::new(Some(home.compiled_cache()), request.limits)?;
    let loaded = compile_once(path, request, |compiling| {
        runtime.load_file(path, compiling)
    })?;
    let program = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "main".into());
    execute(&runtime, &loaded, &program, request)
}

/// Runs a composition made for this run (`--plug`), as [`run`] runs a file.
pub fn run_plugged(
    plugged: &super::Plugged,
    request: RunRequest<'_>,
    home: &ComposeHome,
) -> Result<RunOutcome, ProjectError> {
    let runtime = Runtime::new(Some(home.compiled_cache()), request.limits)?;
    let shown = Path::new(&plugged.name);
    let loaded = compile_once(shown, request, |compiling| {
        runtime.load_with(&plugged.name, &plugged.bytes, compiling)
    })?;
    let program = plugged.root.as_str();
    execute(&runtime, &loaded, program, request)
}

/// Loads with `load`, telling the request when a compilation starts and ends.
fn compile_once(
    shown: &Path,
    request: RunRequest<'_>,
    load: impl FnOnce(&mut dyn FnMut(Caching)) -> Result<Loaded, RunError>,
) -> Result<Loaded, ProjectError> {
    let mut started = false;
    let loaded = load(&mut |caching| {
        started = true;
        (request.compiling)(shown, Compiling::Started(caching))
    });
    if started {
        (request.compiling)(shown, Compiling::Over);
    }
    Ok(loaded?)
}

/// Runs a loaded component as a command, or invokes one function.
fn execute(
    runtime: &Runtime,
    loaded: &Loaded,
    program: &str,
    request: RunRequest<'_>,
) -> Result<RunOutcome, ProjectError> {
    if let Some(call) = request.invoke {
        let invoked = runtime.invoke(loaded, call, request.grants, request.limits)?;
        return Ok(RunOutcome::Returned(invoked));
    }
    let code = runtime.run_command(loaded, program, request.grants, request.limits)?;
    Ok(RunOutcome::Exited(code))
}
