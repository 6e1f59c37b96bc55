//! What a build takes from registries: WIT packages the project's WIT names and does not have
//! (written into `wit/deps`), and components declared with `registry = "ns:name@version"`
//! (pulled into the cache and linked from there). `compose.lock` pins each to a digest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use compose_registry::{Client, Digest, PackageSpec, Pulled, Reference};
use compose_toolchains::Profile;
use compose_wit::decode::{decode, print_packages, Decoded};

use crate::lock::{Lock, Locked};
use crate::{ComposeHome, Manifest, ProjectError};

/// How a build is made.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Fail when compose.lock would change.
    pub locked: bool,
    /// Use the cache only.
    pub offline: bool,
    /// Development (the default) or release.
    pub profile: Profile,
    /// How many things compile at once (`-j`); the number of cores when `None`.
    pub jobs: Option<usize>,
}

/// Fetches what the project needs from registries; returns where each registry component's
/// `.wasm` is. `pulling` is told about each artifact before it is fetched.
pub(crate) fn fetch(
    manifest: &Manifest,
    home: &ComposeHome,
    options: BuildOptions,
    pulling: &mut dyn FnMut(&str),
) -> Result<BTreeMap<String, PathBuf>, ProjectError> {
    let missing: Vec<String> = compose_wit::missing_packages(&manifest.wit_dir)
        .into_iter()
        .filter(|n| !n.starts_with("wasi:"))
        .collect();
    let wanted: Vec<(&str, &str)> = manifest
        .components
        .iter()
        .filter_map(|c| Some((c.name.as_str(), c.registry()?)))
        .collect();
    let old = Lock::read(&manifest.root_dir)?;
    if missing.is_empty() && wanted.is_empty() && old.packages.is_empty() {
        return Ok(BTreeMap::new());
    }
    let client = home.registry_client(options.offline)?;
    let deps_dir = manifest.wit_dir.join("deps");

    let mut lock = Lock::default();
    let mut deps_files: Vec<(PathBuf, String)> = Vec::new();
    for package in &missing {
        let spec = PackageSpec::parse(package)?;
        // No registry for its namespace and nothing locked: most likely a name mistyped in
        // the WIT, which loading the WIT reports at its line.
        let locked = old.find("wit", package, &spec.to_string()).is_some();
        if !locked && client.config().reference_for(&spec, "0.0.0").is_err() {
            continue;
        }
        let what = format!("{package} (WIT)");
        let (entry, pulled) = pull(&client, &old, "wit", package, &spec, &mut || pulling(&what))?;
        let Decoded::WitPackage { resolve, .. } = decode(&pulled.bytes, &entry.reference)? else {
            return Err(ProjectError::Input {
                message: format!("`{}` is a component, not a WIT package", entry.reference),
                help: format!(
                    "publish the WIT package `{package}` (`compose publish --wit`) there"
                ),
            });
        };
        let printed = print_packages(&resolve, &|name| name.starts_with("wasi:"))?;
        for (name, text) in printed {
            let file = deps_dir.join(deps_file_name(&name));
            if !file.exists() {
                deps_files.push((file, text));
            }
        }
        lock.packages.push(entry);
    }
    // WIT fetched by an earlier build stays locked while its file is there.
    for entry in old.packages.iter().filter(|p| p.kind == "wit") {
        let present = deps_dir.join(deps_file_name(&entry.name)).is_file();
        if present && !missing.contains(&entry.name) {
            lock.packages.push(entry.clone());
        }
    }
    let mut paths = BTreeMap::new();
    for (component, requested) in wanted {
        let spec = PackageSpec::parse(requested)?;
        let what = format!("{requested} (component `{component}`)");
        let (entry, pulled) = pull(&client, &old, "component", component, &spec, &mut || {
            pulling(&what)
        })?;
        paths.insert(component.to_string(), pulled.path);
        lock.packages.push(entry);
    }

    lock.version = 1;
    lock.packages.sort();
    let mut before = old.clone();
    before.packages.sort();
    let changes = lock.changes_from(&before);
    if options.locked && !changes.is_empty() {
        return Err(ProjectError::LockChanged {
            changes: changes.join("\n"),
        });
    }
    for (file, text) in deps_files {
        crate::fsutil::write_atomic(&file, text.as_bytes())?;
    }
    if !lock.packages.is_empty() || manifest.root_dir.join(crate::lock::LOCK_FILE).exists() {
        lock.write(&manifest.root_dir)?;
    }
    Ok(paths)
}

/// Pulls `spec` for the lock entry (`kind`, `name`): by the digest compose.lock pins when it
/// still answers the request, else the newest version the request accepts. `pulling` is
/// called unless the pinned artifact is in the cache already.
fn pull(
    client: &Client,
    old: &Lock,
    kind: &str,
    name: &str,
    spec: &PackageSpec,
    pulling: &mut dyn FnMut(),
) -> Result<(Locked, Pulled), ProjectError> {
    let requested = spec.to_string();
    let (reference, version) = match old.find(kind, name, &requested) {
        Some(locked) => {
            if !client.cache().contains(&Digest::parse(&locked.digest)?) {
                pulling();
            }
            (
                Reference::parse(&locked.reference)?.with_digest(&locked.digest),
                locked.version.clone(),
            )
        }
        None => {
            pulling();
            let (reference, version) = client.resolve(spec)?;
            (reference, version.to_string())
        }
    };
    let pulled = client.pull(&reference)?;
    let tagged = Reference {
        digest: None,
        ..reference
    };
    let entry = Locked {
        kind: kind.to_string(),
        name: name.to_string(),
        requested,
        version,
        reference: tagged.to_string(),
        digest: pulled.manifest_digest.to_string(),
    };
    Ok((entry, pulled))
}

/// `demo:codec@0.1.0` → `demo-codec-0.1.0.wit`.
fn deps_file_name(package: &str) -> String {
    format!("{}.wit", package.replace([':', '@'], "-"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn deps_files_are_named_after_their_package() {
        assert_eq!(
            super::deps_file_name("demo:codec@0.1.0"),
            "demo-codec-0.1.0.wit"
        );
        assert_eq!(super::deps_file_name("acme:log"), "acme-log.wit");
    }
}
