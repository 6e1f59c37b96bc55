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
        if json() {
            emit(&Message::checked(c));
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
    }
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
