//! `compose inspect FILE.wasm`: what a `.wasm` is, its world, and what is nested inside.

use std::path::PathBuf;

use compose_project::ops;

use crate::output::size;

#[derive(clap::Args)]
pub struct Args {
    /// The `.wasm` file.
    file: PathBuf,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let i = ops::inspect(&args.file)?;
    println!("{}: {} ({})", args.file.display(), i.kind, size(i.size));
    if !i.imports.is_empty() {
        println!("imports:");
        for name in &i.imports {
            println!("  {name}");
        }
    }
    if !i.exports.is_empty() {
        println!("exports:");
        for name in &i.exports {
            println!("  {name}");
        }
    }
    if !i.nested.is_empty() {
        println!("inside:");
        for n in &i.nested {
            println!("{}{} ({})", "  ".repeat(n.depth), n.kind, size(n.size));
        }
    }
    Ok(0)
}
