//! The `compose` command. Each subcommand is a module that parses its flags, calls
//! `compose-project` (or `compose-toolchains` for `doctor`) and prints.

mod commands;
mod output;
mod progress;

use clap::{Parser, Subcommand};

/// Build, link, run and check WebAssembly components written in Rust, Go, C and Python.
#[derive(Parser)]
#[command(name = "compose", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// `human`, or `json`: one JSON document per message on stdout (build, check, test,
    /// wit check, wit diff, inspect, serve, deploy; errors of every command).
    #[arg(long, global = true, value_enum, default_value_t)]
    message_format: output::MessageFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project: a greeter library and a command calling it, in one language.
    New(commands::new::Args),
    /// Add a component to the project: its folder, a stub of every export, its manifest entry.
    Add(commands::add::Args),
    /// Show each language toolchain, or install what is missing (`--install`).
    Doctor(commands::doctor::Args),
    /// Build every component of the project and link them into one component.
    Build(commands::build::Args),
    /// Check every component against its world and the result's imports against the host
    /// (builds what is not built yet).
    Check(commands::check::Args),
    /// Run the project's composed component (or a component file) in the sandbox.
    Run(Box<commands::run::Args>),
    /// Serve the project's HTTP component (or a file, or a registry reference): a fresh
    /// sandboxed instance per request.
    Serve(Box<commands::serve::Args>),
    /// Publish the project's HTTP service and start it on every host of an engine that runs
    /// components on many machines (wasmCloud); a new version replaces the old without a
    /// failed request.
    Deploy(Box<commands::deploy::Args>),
    /// Run the project's test vectors against every implementation (or, with
    /// `--differential`, random inputs against every pair of implementations).
    Test(commands::test::Args),
    /// Publish the composed component, a component file, or the project's WIT package
    /// (`--wit`) to an OCI registry.
    Publish(commands::publish::Args),
    /// Fetch a component or WIT package from an OCI registry.
    Pull(commands::pull::Args),
    /// Check, print, list the dependencies of, or compare WIT packages.
    Wit(commands::wit::Args),
    /// Draw the composition: one box per component, one arrow per link (SVG, DOT or JSON).
    Graph(commands::graph::Args),
    /// Show what a `.wasm` holds: its world, imports, exports and nested parts.
    Inspect(commands::inspect::Args),
    /// Show, collect or empty the compiled-code cache in compose's home.
    Cache(commands::cache::Args),
}

fn main() {
    output::install_error_reporting();
    // The work runs on a thread with a large stack (named "main", which the panic hook
    // knows): deep inputs (nested components, long `use` chains in WIT, deep values) then
    // meet compose's own depth limits and errors, not the end of an 8 MiB stack.
    let worker = std::thread::Builder::new()
        .name("main".into())
        .stack_size(1 << 30)
        .spawn(command);
    let code = match worker {
        Ok(handle) => handle.join().unwrap_or(output::INTERNAL_ERROR),
        Err(_) => command(),
    };
    output::exit(code);
}

fn command() -> i32 {
    let cli = Cli::parse();
    output::set_format(cli.message_format);
    let result = match cli.command {
        Command::New(args) => commands::new::exec(args),
        Command::Add(args) => commands::add::exec(args),
        Command::Doctor(args) => commands::doctor::exec(args),
        Command::Build(args) => commands::build::exec(args),
        Command::Check(args) => commands::check::exec(args),
        Command::Run(args) => commands::run::exec(*args),
        Command::Serve(args) => commands::serve::exec(*args),
        Command::Deploy(args) => commands::deploy::exec(*args),
        Command::Test(args) => commands::test::exec(args),
        Command::Publish(args) => commands::publish::exec(args),
        Command::Pull(args) => commands::pull::exec(args),
        Command::Wit(args) => commands::wit::exec(args),
        Command::Graph(args) => commands::graph::exec(args),
        Command::Inspect(args) => commands::inspect::exec(args),
        Command::Cache(args) => commands::cache::exec(args),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            if output::json() {
                output::emit_error(&report);
            }
            eprintln!("{report:?}");
            output::FAILURE
        }
    }
}
