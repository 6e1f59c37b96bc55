use std::path::PathBuf;

use compose_project::ops;
use compose_project::Language;

use crate::output::status;

#[derive(clap::Args)]
pub struct Args {
    /// The project's name: lowercase words joined by `-` (it names the WIT package too).
    name: String,
    /// The language of its components: rust, go, c or python.
    #[arg(long, value_parser = |s: &str| s.parse::<Language>())]
    lang: Language,
    /// Where to create it (default: the current folder).
    #[arg(long, value_name = "DIR", default_value = ".")]
    path: PathBuf,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let dir = ops::new_project(&args.path, &args.name, args.lang)?;
    status(
        "Created",
        &format!("{} ({} project) in {}", args.name, args.lang, dir.display()),
    );
    eprintln!(
        "             next: cd {} && compose build && compose run -- you",
        dir.display()
    );
    Ok(0)
}
