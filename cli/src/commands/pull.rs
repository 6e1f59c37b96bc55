//! `compose pull REFERENCE [-o FILE]`: a component or WIT package from a registry.

use std::path::PathBuf;

use compose_project::ops;
use compose_project::ComposeHome;

use crate::output::{size, status};

#[derive(clap::Args)]
pub struct Args {
    /// `ns:name@version` (or a range such as `ns:name@0.1`), mapped to a registry by
    /// registries.toml or COMPOSE_REGISTRY; or `host[:port]/repository:tag` (or `@sha256:…`).
    #[arg(value_name = "REFERENCE")]
    reference: String,
    /// Where to write the `.wasm` (default: `<name>.wasm` in the current folder).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Never contact a registry: take it from the cache.
    #[arg(long)]
    offline: bool,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let home = ComposeHome::from_env();
    let client = home.registry_client(args.offline)?;
    let output = args
        .output
        .unwrap_or_else(|| default_output(&args.reference));
    let pulled = ops::pull(&client, &args.reference, &output)?;
    status(
        "Pulled",
        &format!(
            "{} ({}) to {}",
            pulled.reference,
            size(pulled.bytes.len()),
            output.display()
        ),
    );
    Ok(0)
}

/// `demo:codec@0.1.0` and `host/demo/codec:0.1.0` → `codec.wasm`.
fn default_output(reference: &str) -> PathBuf {
    let without_digest = reference.split('@').next().unwrap_or(reference);
    let name = if reference.contains('/') {
        let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
        last.split(':').next().unwrap_or(last)
    } else {
        without_digest.rsplit(':').next().unwrap_or(without_digest)
    };
    PathBuf::from(format!("{name}.wasm"))
}

#[cfg(test)]
mod tests {
    use super::default_output;

    #[test]
    fn output_is_named_after_the_package() {
        assert_eq!(
            default_output("demo:codec@0.1.0").to_str(),
            Some("codec.wasm")
        );
        assert_eq!(
            default_output("127.0.0.1:5000/demo/codec:0.1.0").to_str(),
            Some("codec.wasm")
        );
        assert_eq!(
            default_output(&format!(
                "127.0.0.1:5000/demo/codec@sha256:{}",
                "a".repeat(64)
            ))
            .to_str(),
            Some("codec.wasm")
        );
    }
}
