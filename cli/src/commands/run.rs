use std::path::PathBuf;

use compose_project::ops;
use compose_runtime::{DirGrant, Grants};
use compose_toolchains::Tools;

use super::ManifestArg;
use crate::output::status;

#[derive(clap::Args)]
pub struct Args {
    /// A component file to run instead of the project's composed result.
    file: Option<PathBuf>,
    /// Grant a directory: `host::guest`, read-only unless it ends in `:rw`.
    #[arg(long = "dir", value_name = "HOST::GUEST[:rw]", value_parser = DirGrant::parse)]
    dirs: Vec<DirGrant>,
    /// Grant an environment variable: `NAME=value`, or `NAME` to pass the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Let the guest read this process's stdin.
    #[arg(long)]
    stdin: bool,
    /// Let the guest open sockets and look up names.
    #[arg(long)]
    allow_net: bool,
    /// Print what the run would be granted, and do not run.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    manifest: ManifestArg,
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
    };
    let (path, manifest) = match args.file {
        Some(file) => (file, None),
        None => {
            let manifest = args.manifest.load()?;
            let report = super::build::build(&manifest)?;
            (report.output, Some(manifest))
        }
    };
    let grants = ops::grants_for(manifest.as_ref(), cli_grants, &args.env);
    let described = grants.describe();
    if args.explain {
        println!(
            "{}: granted {}",
            path.display(),
            if described.is_empty() {
                "nothing".into()
            } else {
                described.join("; ")
            }
        );
        return Ok(0);
    }
    if !described.is_empty() {
        status("Granting", &described.join("; "));
    }
    Ok(ops::run(&path, &grants, &Tools::from_env())?)
}
