//! `compose cache [info|gc|clean]`: the compiled-code cache in compose's home.

use compose_project::ops;
use compose_project::ComposeHome;

use crate::output::{size, status};

fn show_size(bytes: u64) -> String {
    size(bytes as usize)
}

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Where the cache is, how much it holds, and its bound (the default).
    Info,
    /// Remove abandoned temporary files, and the least recently used entries beyond the
    /// bound (`COMPOSE_CACHE_MAX`, default 4GiB). Every build that compiles does this too.
    Gc,
    /// Remove every compiled component: the next run of each compiles it again.
    Clean,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let home = ComposeHome::from_env();
    match args.action.unwrap_or(Action::Info) {
        Action::Info => {
            let info = ops::cache_info(&home);
            println!(
                "{}: {} (kept under {})",
                info.dir.display(),
                show_size(info.size),
                show_size(info.max)
            );
        }
        Action::Gc => {
            let (removed, freed) = ops::cache_gc(&home);
            status(
                "Collected",
                &format!("{removed} compiled components, {} freed", show_size(freed)),
            );
        }
        Action::Clean => {
            let freed = ops::cache_clean(&home)?;
            status("Cleaned", &format!("{} freed", show_size(freed)));
        }
    }
    Ok(0)
}
