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
    /// `command` (a program calling a library, for `compose run`), `http` (an HTTP handler
    /// calling a library, for `compose serve`) or `http-p3` (a WASI 0.3 HTTP handler, in
    /// Rust or Python, calling a library in LANG).
    #[arg(long, default_value = "command", value_parser = |s: &str| s.parse::<ops::Template>())]
    template: ops::Template,
    /// Where to create it (default: the current folder).
    #[arg(long, value_name = "DIR", default_value = ".")]
    path: PathBuf,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let dir = ops::new_project(&args.path, &args.name, args.lang, args.template)?;
    status(
        "Created",
        &format!("{} ({} project) in {}", args.name, args.lang, dir.display()),
    );
    let next = match args.template {
        ops::Template::Command => "compose build && compose run -- you",
        ops::Template::Http | ops::Template::HttpP3 => {
            "compose serve, then open http://127.0.0.1:8080/hello?name=you"
        }
    };
    eprintln!("             next: cd {} && {next}", dir.display());
    Ok(0)
}
