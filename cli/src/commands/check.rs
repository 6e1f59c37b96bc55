//! `compose check`: every component against its declared world, and the composed result's
//! imports against what the host provides; for CI.

use compose_project::ops::BuildReport;
use compose_project::{Manifest, Message};

use super::build::RegistryArgs;
use super::ManifestArg;
use crate::output::{emit, json, status};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    registry: RegistryArgs,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let manifest = args.manifest.load()?;
    // A build checks each component it makes against its world before keeping it, and the
    // result's imports before writing it; what is fresh passed those checks when it was made.
    let report = super::build::build(&manifest, args.registry.options())?;
    show(&manifest, &report);
    Ok(0)
}

fn show(manifest: &Manifest, report: &BuildReport) {
    for c in &report.components {
        let budget = manifest
            .components
            .iter()
            .find(|d| d.name == c.name)
            .and_then(|d| d.max_size.as_ref())
            .map(|b| b.bytes);
        if json() {
            emit(&Message::checked(c, budget));
        } else {
            status(
                "Checked",
                &format!(
                    "{} implements world `{}` ({}): exports {}",
                    c.name,
                    c.world,
                    c.declared_at,
                    list(&c.exports)
                ),
            );
            if let Some(budget) = budget {
                status("Checked", &within(&c.name, c.size, budget));
            }
        }
    }
    for c in &report.confinements {
        if json() {
            emit(&Message::Confined(c));
        } else {
            status("Confined", &confined(c));
        }
    }
    let (named, wasi): (Vec<&str>, Vec<&str>) = report
        .imports
        .iter()
        .map(String::as_str)
        .partition(|i| manifest.host_imports.iter().any(|h| h == i));
    if json() {
        emit(&Message::CheckFinished {
            success: true,
            components: report.components.len(),
            output: &report.output,
            size: report.size,
            max_size: manifest.max_size.as_ref().map(|b| b.bytes),
            wasi_imports: wasi,
            host_imports: named,
        });
    } else {
        status(
            "Checked",
            &format!(
                "the result imports {} WASI interfaces, which the host provides{}",
                wasi.len(),
                if named.is_empty() {
                    String::new()
                } else {
                    format!(", and {} named in [compose] host-imports", list(&named))
                }
            ),
        );
        if let Some(budget) = &manifest.max_size {
            status("Checked", &within("the result", report.size, budget.bytes));
        }
    }
}

/// `greeter is 2.6 MiB, within its budget of 3.0 MiB (max-size)`; a build over a budget
/// fails before this is printed.
fn within(what: &str, size: usize, budget: u64) -> String {
    format!(
        "{what} is {}, within its budget of {} (max-size)",
        crate::output::size(size),
        crate::output::size(usize::try_from(budget).unwrap_or(usize::MAX))
    )
}

fn list<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        return "nothing".into();
    }
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `greeter: wasi:cli/environment denied, wasi:filesystem/preopens narrowed; 14 others from
/// the host`.
fn confined(c: &compose_project::ops::Confinement) -> String {
    use compose_project::ops::Reach;
    let mut virtual_ones = Vec::new();
    let mut from_host = 0;
    for (interface, reach) in &c.interfaces {
        match reach {
            Reach::Host | Reach::Forwarded => from_host += 1,
            Reach::Denied => virtual_ones.push(format!("{interface} denied")),
            Reach::Narrowed => virtual_ones.push(format!("{interface} narrowed")),
        }
    }
    if virtual_ones.is_empty() {
        return format!(
            "{}: imports nothing it was denied; {from_host} WASI interfaces from the host",
            c.component
        );
    }
    format!(
        "{}: {} (by its virtual WASI `{}`); {from_host} other WASI interfaces from the host",
        c.component,
        virtual_ones.join(", "),
        c.virtual_component.as_deref().unwrap_or("")
    )
}
