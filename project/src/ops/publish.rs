//! `compose publish` and `compose pull`: one artifact to or from a registry.

use std::path::Path;

use compose_registry::artifact::Artifact;
use compose_registry::{Client, Digest, PackageSpec, Pulled, Reference};

use crate::fsutil::write_atomic;
use crate::{Manifest, ProjectError};

/// What was published.
#[derive(Debug, Clone)]
pub struct Published {
    /// Where.
    pub reference: Reference,
    /// The manifest's digest.
    pub digest: Digest,
    /// The layer's size.
    pub size: usize,
}

/// Publishes `wasm` (named `what` in errors) at `target`: a full reference with a tag, or a
/// package with its exact version (`demo:codec@0.1.0`). An existing tag is replaced only with
/// `force`.
pub fn publish(
    client: &Client,
    wasm: Vec<u8>,
    what: &str,
    target: &str,
    force: bool,
) -> Result<Published, ProjectError> {
    let reference = publish_reference(client, target)?;
    let artifact = Artifact::new(wasm, what, reference.tag.as_deref())?;
    let digest = client.push(&reference, &artifact, force)?;
    Ok(Published {
        reference,
        digest,
        size: artifact.layer.len(),
    })
}

/// Where `target` points for publishing: tags only, never a digest or a version range.
fn publish_reference(client: &Client, target: &str) -> Result<Reference, ProjectError> {
    if target.contains('/') {
        let reference = Reference::parse(target)?;
        if reference.tag.is_none() || reference.digest.is_some() {
            return Err(ProjectError::Publish {
                message: format!("cannot publish to `{target}`: it names no tag"),
                help: "publish to a tag, e.g. `host:port/ns/name:1.0.0`".into(),
            });
        }
        return Ok(reference);
    }
    let spec = PackageSpec::parse(target)?;
    let version = spec.exact_version().ok_or_else(|| ProjectError::Publish {
        message: format!("cannot publish `{target}`: publishing needs an exact version"),
        help: format!("write it as `{}@1.0.0`", spec.id()),
    })?;
    Ok(client.config().reference_for(&spec, &version.to_string())?)
}

/// The project's own WIT package, encoded as a component, and its name (`ns:name@version`).
pub fn wit_package(manifest: &Manifest) -> Result<(Vec<u8>, String), ProjectError> {
    let wit = manifest.load_wit()?;
    let bytes = compose_wit::decode::encode_package(&wit.resolve, wit.package)?;
    Ok((bytes, wit.package_name()))
}

/// Pulls `target` (a full reference, or a package with a version or range such as
/// `demo:codec@0.1`) and writes its `.wasm` to `output`, atomically.
pub fn pull(client: &Client, target: &str, output: &Path) -> Result<Pulled, ProjectError> {
    let reference = if target.contains('/') {
        Reference::parse(target)?
    } else {
        client.resolve(&PackageSpec::parse(target)?)?.0
    };
    let pulled = client.pull(&reference)?;
    write_atomic(output, &pulled.bytes)?;
    Ok(pulled)
}
