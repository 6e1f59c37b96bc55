use compose_project::ops::{self, AddRequest};
use compose_project::Language;

use super::ManifestArg;
use crate::output::status;

#[derive(clap::Args)]
pub struct Args {
    /// The component's name; its folder is created beside compose.toml.
    name: String,
    /// Its language: rust, go, c or python.
    #[arg(long, value_parser = |s: &str| s.parse::<Language>())]
    lang: Language,
    /// The world it implements.
    #[arg(long)]
    world: String,
    /// Add an empty `world WORLD {}` to the project's WIT if there is none of that name.
    #[arg(long)]
    new_world: bool,
    #[command(flatten)]
    manifest: ManifestArg,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let manifest = args.manifest.load()?;
    let request = AddRequest {
        name: &args.name,
        language: args.lang,
        world: &args.world,
        new_world: args.new_world,
    };
    let dir = ops::add_component(&manifest, &request)?;
    status(
        "Added",
        &format!(
            "{} ({}, world {}) in {}",
            args.name,
            args.lang,
            args.world,
            dir.display()
        ),
    );
    Ok(0)
}
