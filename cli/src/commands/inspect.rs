//! `compose inspect FILE.wasm`: what a `.wasm` is, its world, and what is inside: for a
//! composition, each component by name with its wiring and what it is made of.

use std::path::PathBuf;

use compose_project::ops;
use compose_project::Message;

use crate::output::size;

#[derive(clap::Args)]
pub struct Args {
    /// The `.wasm` file.
    file: PathBuf,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let i = ops::inspect(&args.file)?;
    if crate::output::json() {
        crate::output::emit(&Message::Inspected {
            file: &args.file,
            kind: i.kind,
            size: i.size,
            imports: &i.imports,
            exports: &i.exports,
            components: &i.graph.nodes,
            links: &i.graph.edges,
            pieces: &i.pieces,
        });
        return Ok(0);
    }
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
    if !i.graph.nodes.is_empty() {
        println!("components (in the order they are instantiated):");
        for node in &i.graph.nodes {
            let mut head = format!("  {}", node.name);
            if node.root {
                head.push_str(" (root)");
            }
            if let Some(language) = &node.language {
                head.push_str(&format!("  {language}"));
            }
            println!("{head}  {}", size(node.size as usize));
            for edge in i.graph.edges.iter().filter(|e| e.importer == node.name) {
                let confined = match edge.confined {
                    Some(ops::Reach::Denied) => " (virtual: denied)",
                    Some(ops::Reach::Narrowed) => " (virtual: narrowed)",
                    _ => "",
                };
                println!(
                    "    imports {} from {}{confined}",
                    edge.interface, edge.exporter
                );
            }
            let groups = host_packages(node);
            if !groups.is_empty() {
                println!("    from the host: {groups}");
            }
            pieces(&node.pieces, "    ");
        }
    } else if !i.pieces.is_empty() {
        println!("made of:");
        pieces(&i.pieces, "  ");
    } else if !i.nested.is_empty() {
        println!("inside:");
        for n in &i.nested {
            println!("{}{} ({})", "  ".repeat(n.depth), n.kind, size(n.size));
        }
    }
    Ok(0)
}

/// `wasi:cli (environment, stdout), wasi:io (streams)`.
fn host_packages(node: &ops::GraphNode) -> String {
    node.host_groups()
        .into_iter()
        .map(|(package, items)| {
            if items.is_empty() {
                package
            } else {
                format!("{package} ({})", items.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each core module: what it is, its size, and how much of it is code and data.
fn pieces(pieces: &[ops::Piece], indent: &str) {
    let width = pieces.iter().map(|p| p.what.len()).max().unwrap_or(0);
    for p in pieces {
        let mut split = Vec::new();
        if p.code > 0 {
            split.push(format!("code {}", size(p.code as usize)));
        }
        if p.data > 0 {
            split.push(format!("data {}", size(p.data as usize)));
        }
        if p.debug > 0 {
            split.push(format!("debug info {}", size(p.debug as usize)));
        }
        let split = if split.is_empty() {
            String::new()
        } else {
            format!(" ({})", split.join(", "))
        };
        println!(
            "{indent}{:<width$}  {:>10}{split}",
            p.what,
            size(p.size as usize)
        );
    }
}
