//! `compose publish [FILE] REFERENCE`: a component or the project's WIT package to a registry.

use std::path::PathBuf;

use compose_project::ops;
use compose_project::ComposeHome;

use super::ManifestArg;
use crate::output::{size, status};

#[derive(clap::Args)]
pub struct Args {
    /// `[FILE] REFERENCE`: the `.wasm` to publish (default: the project's composed component,
    /// built first) and where: `ns:name@1.0.0` (mapped to a registry by registries.toml or
    /// COMPOSE_REGISTRY) or `host[:port]/repository:tag`. With --wit, REFERENCE defaults to
    /// the WIT package's own name.
    #[arg(value_name = "[FILE] REFERENCE", num_args = 0..=2)]
    args: Vec<String>,
    /// Publish the project's WIT package instead of a component.
    #[arg(long)]
    wit: bool,
    /// Replace the version if it already exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    manifest: ManifestArg,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let home = ComposeHome::from_env();
    let client = home.registry_client(false)?;
    let (file, target) = match args.args.as_slice() {
        [file, target] => (Some(PathBuf::from(file)), Some(target.clone())),
        [target] => (None, Some(target.clone())),
        _ => (None, None),
    };
    let (wasm, what, target) = if args.wit {
        if file.is_some() {
            miette::bail!(miette::miette!(
                help = "give only the reference: `compose publish --wit [REFERENCE]`",
                "--wit publishes the project's WIT package; it takes no FILE"
            ));
        }
        let manifest = args.manifest.load()?;
        let (bytes, package) = ops::wit_package(&manifest)?;
        (
            bytes,
            format!("WIT package {package}"),
            target.unwrap_or(package),
        )
    } else {
        let Some(target) = target else {
            miette::bail!(miette::miette!(
                help = "e.g. `compose publish demo:app@0.1.0`, or `compose publish app.wasm 127.0.0.1:5000/demo/app:0.1.0`",
                "say where to publish: a REFERENCE"
            ));
        };
        match file {
            Some(path) => {
                let bytes = compose_project::read_component(&path).map_err(|e| {
                    miette::miette!(
                        help = "give the path of a built component",
                        "cannot read `{}`: {e}",
                        path.display()
                    )
                })?;
                (bytes, path.display().to_string(), target)
            }
            None => {
                let manifest = args.manifest.load()?;
                let report = super::build::build(&manifest, ops::BuildOptions::default())?;
                let bytes = compose_project::read_component(&report.output).map_err(|e| {
                    miette::miette!("cannot read `{}`: {e}", report.output.display())
                })?;
                (bytes, report.output.display().to_string(), target)
            }
        }
    };
    status("Publishing", &format!("{what} to {target}"));
    let published = ops::publish(&client, wasm, &what, &target, args.force)?;
    status(
        "Published",
        &format!(
            "{} ({}, {})",
            published.reference,
            size(published.size),
            published.digest
        ),
    );
    Ok(0)
}
