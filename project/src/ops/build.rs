//! `compose build`: WIT → each component → checked against its world → linked → validated.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use compose_linker::{host_imports, Adapter, Parts};
use compose_toolchains::{BuildInput, Built, Language, ModuleKind, Tools};
use compose_wit::contract::{self, WorldShape};
use compose_wit::names::is_wasi;
use compose_wit::ProjectWit;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::fetch::{fetch, BuildOptions};
use crate::fsutil::{hash_tree, write_atomic};
use crate::{Manifest, ProjectError};

/// Progress of a build, for the CLI to show.
#[derive(Debug, Clone)]
pub enum BuildEvent<'a> {
    /// A component is being built.
    Building {
        component: &'a str,
        language: Language,
    },
    /// A component's inputs did not change; its last build is reused.
    Fresh { component: &'a str },
    /// A component was built.
    Built {
        component: &'a str,
        bytes: usize,
        elapsed: Duration,
    },
    /// An artifact is being pulled from a registry (or taken from the cache).
    Pulling { what: &'a str },
    /// The composition is being linked.
    Linking { root: &'a str },
}

/// What a build produced.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The composed component.
    pub output: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// Whether nothing at all had to be redone.
    pub fresh: bool,
    /// Each component.
    pub components: Vec<ComponentReport>,
    /// Connections: (importer, interface, exporter).
    pub links: Vec<(String, String, String)>,
    /// What the result imports from its host.
    pub imports: Vec<String>,
}

/// One component in a build report.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentReport {
    /// Name in the manifest.
    pub name: String,
    /// Language.
    pub language: String,
    /// World.
    pub world: String,
    /// The built component.
    pub artifact: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// Whether it was reused from the last build.
    pub fresh: bool,
    /// Where its world is declared (`file:line:column`).
    pub declared_at: String,
    /// The interfaces it imports and exports.
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// Builds every component of the project and links them; writes the result to
/// `target/compose/<project>.wasm`.
pub fn build(
    manifest: &Manifest,
    tools: &Tools,
    options: BuildOptions,
    progress: &mut dyn FnMut(BuildEvent<'_>),
) -> Result<BuildReport, ProjectError> {
    let root = manifest.root()?;
    let pulled = fetch(manifest, tools, options, &mut |what| {
        progress(BuildEvent::Pulling { what })
    })?;
    let wit = manifest.load_wit()?;
    let mut wit_hash = Sha256::new();
    hash_tree(&manifest.wit_dir, &mut wit_hash)?;
    let wit_hash = wit_hash.finalize();

    let mut reports = Vec::new();
    let mut parts = Parts::default();
    let mut link_key = Sha256::new();
    // Every component that does not match its world is reported, not only the first.
    let mut mismatched: Vec<ProjectError> = Vec::new();
    for decl in &manifest.components {
        let world = wit.world(&decl.world).map_err(|e| {
            manifest.error_at(
                decl.world_span.clone(),
                format!("component `{}`: {e}", decl.name),
                "unknown world",
                Some(format!(
                    "the worlds in `{}` are: {}",
                    manifest.wit_dir.display(),
                    wit.world_names().join(", ")
                )),
            )
        })?;
        let dir = manifest.out_dir().join("components").join(&decl.name);
        let artifact = dir.join(format!("{}.wasm", decl.name));
        let stamp_path = dir.join("inputs.sha256");

        let mut key = Sha256::new();
        key.update(compose_toolchains::fingerprint(decl.language, tools));
        key.update(&decl.world);
        key.update(wit_hash);
        // A registry component is the file it was pulled to.
        let source = pulled.get(&decl.name).unwrap_or(&decl.path);
        hash_tree(source, &mut key)?;
        let stamp = hex_digest(key);

        let fresh = artifact.is_file()
            && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s.trim() == stamp);
        let bytes = if fresh {
            progress(BuildEvent::Fresh {
                component: &decl.name,
            });
            std::fs::read(&artifact)
                .map_err(|e| ProjectError::io(format!("read `{}`", artifact.display()), e))?
        } else {
            progress(BuildEvent::Building {
                component: &decl.name,
                language: decl.language,
            });
            let started = Instant::now();
            let work_dir = dir.join("work");
            std::fs::create_dir_all(&work_dir)
                .map_err(|e| ProjectError::io(format!("create `{}`", work_dir.display()), e))?;
            let input = BuildInput {
                name: &decl.name,
                language: decl.language,
                source_dir: source,
                wit: &wit,
                world,
                work_dir: &work_dir,
            };
            let bytes = match compose_toolchains::build(&input, tools)? {
                Built::Component(bytes) => bytes,
                Built::CoreModule { bytes, kind } => {
                    let adapter = match kind {
                        ModuleKind::Reactor => Adapter::Reactor,
                        ModuleKind::Command => Adapter::Command,
                    };
                    compose_linker::componentize(&decl.name, &bytes, &wit.resolve, world, adapter)?
                }
            };
            if let Err(e) = check_world(&decl.name, &decl.world, &bytes, &wit, world) {
                mismatched.push(e);
                continue;
            }
            // Stamp last: a build interrupted before this point is redone next time.
            let _ = std::fs::remove_file(&stamp_path);
            write_atomic(&artifact, &bytes)?;
            write_atomic(&stamp_path, stamp.as_bytes())?;
            progress(BuildEvent::Built {
                component: &decl.name,
                bytes: bytes.len(),
                elapsed: started.elapsed(),
            });
            bytes
        };
        link_key.update(decl.name.as_bytes());
        link_key.update(Sha256::digest(&bytes));
        let size = bytes.len();
        let part = parts.add(&decl.name, bytes)?;
        reports.push(ComponentReport {
            name: decl.name.clone(),
            language: decl.language.to_string(),
            world: decl.world.clone(),
            artifact,
            size,
            fresh,
            declared_at: wit
                .resolve
                .source_map
                .render_location(wit.resolve.worlds[world].span),
            imports: part.imported_interfaces(),
            exports: part.exported_interfaces(),
        });
    }

    match mismatched.len() {
        0 => {}
        1 => return Err(mismatched.remove(0)),
        count => {
            let details = mismatched
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            return Err(ProjectError::WorldMismatches { count, details });
        }
    }

    // The link's inputs: every part's bytes (above), the root, the wiring, the allowed host
    // imports and compose itself.
    link_key.update(env!("CARGO_PKG_VERSION"));
    link_key.update(root.as_bytes());
    for import in &manifest.host_imports {
        link_key.update(format!("host:{import};"));
    }
    for (import, provider) in &manifest.wire {
        link_key.update(format!("{import}={provider};"));
    }
    let plan = compose_linker::plan(&parts, root, &manifest.wire)?;
    let links = plan
        .edges
        .iter()
        .map(|e| (e.importer.clone(), e.import.clone(), e.exporter.clone()))
        .collect();

    let output = manifest.out_dir().join(format!("{}.wasm", manifest.name));
    let output_stamp = output.with_extension("wasm.inputs");
    let link_stamp = hex_digest(link_key);
    let link_fresh = output.is_file()
        && std::fs::read_to_string(&output_stamp).is_ok_and(|s| s.trim() == link_stamp);
    let composed = if link_fresh {
        std::fs::read(&output)
            .map_err(|e| ProjectError::io(format!("read `{}`", output.display()), e))?
    } else {
        progress(BuildEvent::Linking { root });
        check_wasi_versions(&parts, &plan)?;
        let unlinked = unlinked_imports(&parts, &plan);
        let exported: Vec<(String, Vec<String>)> = parts
            .iter()
            .map(|p| (p.name.clone(), p.exported_interfaces()))
            .collect();
        let composed = compose_linker::link(parts, &plan)?;
        check_host_imports(manifest, &composed, &unlinked, &exported)?;
        let _ = std::fs::remove_file(&output_stamp);
        write_atomic(&output, &composed)?;
        write_atomic(&output_stamp, link_stamp.as_bytes())?;
        composed
    };
    let imports = host_imports(&composed)?;
    let report = BuildReport {
        size: composed.len(),
        output,
        fresh: link_fresh && reports.iter().all(|r| r.fresh),
        components: reports,
        links,
        imports,
    };
    let json = serde_json::to_vec_pretty(&report).expect("the report serializes");
    write_atomic(
        &manifest
            .out_dir()
            .join(format!("{}.build.json", manifest.name)),
        &json,
    )?;
    Ok(report)
}

/// Fails when a built component does not implement its declared world.
fn check_world(
    name: &str,
    world_name: &str,
    bytes: &[u8],
    wit: &ProjectWit,
    world: compose_wit::wit_parser::WorldId,
) -> Result<(), ProjectError> {
    let have = WorldShape::of_component(bytes, name)?;
    let want = WorldShape::of(&wit.resolve, world);
    let mismatches = contract::check(&have, &want);
    if mismatches.is_empty() {
        return Ok(());
    }
    let declared_at = wit
        .resolve
        .source_map
        .render_location(wit.resolve.worlds[world].span);
    Err(ProjectError::WorldMismatch {
        component: name.to_string(),
        world: world_name.to_string(),
        declared_at,
        mismatches: mismatches
            .iter()
            .map(|m| format!("  - {m}"))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// Refuses WASI imports the runtime cannot satisfy: another major or minor version than the
/// one it implements, or a newer patch. Different 0.2.x versions across components (each
/// language's toolchain brings its own) are fine: the host answers them all.
fn check_wasi_versions(parts: &Parts, plan: &compose_linker::Plan) -> Result<(), ProjectError> {
    let Some((major, minor, patch)) = compose_runtime::wasi_version() else {
        return Ok(());
    };
    for part in parts.iter().filter(|p| plan.order.contains(&p.name)) {
        for import in part.imported_interfaces().iter().filter(|i| is_wasi(i)) {
            let Some(version) = import.split_once('@').map(|(_, v)| v) else {
                continue;
            };
            let mut nums = version.split(['.', '-']).map(|p| p.parse::<u64>().ok());
            let (Some(Some(ma)), Some(Some(mi)), Some(Some(pa))) =
                (nums.next(), nums.next(), nums.next())
            else {
                continue;
            };
            if ma != major || mi != minor || pa > patch {
                return Err(ProjectError::WasiVersion {
                    component: part.name.clone(),
                    import: import.clone(),
                    host: format!("{major}.{minor}.{patch}"),
                    range: format!("{major}.{minor}.0 to {major}.{minor}.{patch}"),
                });
            }
        }
    }
    Ok(())
}

/// Exports that nearly match `import` (`ns:pkg/iface@version`): the same interface at another
/// version, or an interface of the same name in another package. In words, per component.
fn close_exports(import: &str, exported: &[(String, Vec<String>)]) -> Vec<String> {
    let split = |name: &str| -> (String, String, String) {
        let (path, version) = name.split_once('@').unwrap_or((name, ""));
        let (package, iface) = path.rsplit_once('/').unwrap_or(("", path));
        (package.to_string(), iface.to_string(), version.to_string())
    };
    let (package, iface, version) = split(import);
    let mut out = Vec::new();
    for (component, exports) in exported {
        for e in exports {
            let (p, i, v) = split(e);
            if p == package && i == iface && v != version {
                out.push(format!(
                    "component `{component}` exports `{e}` (another version)"
                ));
            } else if i == iface && p != package {
                out.push(format!(
                    "component `{component}` exports `{e}` (the same name in another package)"
                ));
            }
        }
    }
    out
}

/// For every import the plan leaves unconnected: (importer, import).
fn unlinked_imports(parts: &Parts, plan: &compose_linker::Plan) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in parts.iter().filter(|p| plan.order.contains(&p.name)) {
        for import in part.imported_interfaces() {
            let linked = plan
                .edges
                .iter()
                .any(|e| e.importer == part.name && e.import == import);
            if !linked {
                out.push((part.name.clone(), import));
            }
        }
    }
    out
}

/// Fails when the result imports something that is neither WASI nor allowed by the manifest.
fn check_host_imports(
    manifest: &Manifest,
    composed: &[u8],
    unlinked: &[(String, String)],
    exported: &[(String, Vec<String>)],
) -> Result<(), ProjectError> {
    for import in host_imports(composed)? {
        if is_wasi(&import) || manifest.host_imports.contains(&import) {
            continue;
        }
        let importer = unlinked
            .iter()
            .find(|(_, i)| *i == import)
            .map(|(c, _)| c.clone())
            .unwrap_or_else(|| manifest.root().unwrap_or_default().to_string());
        let exporters: Vec<String> = manifest
            .components
            .iter()
            .map(|c| c.name.clone())
            .filter(|c| *c != importer)
            .collect();
        let close = close_exports(&import, exported);
        let help = if close.is_empty() {
            format!(
                "add a component whose world exports `{import}`{}, or list it under `[compose] host-imports` if the host that runs the result provides it",
                if exporters.is_empty() { String::new() } else { format!(" (none of {} does)", exporters.join(", ")) }
            )
        } else {
            format!(
                "close, but not the same: {}. Make the versions and packages agree (in the WIT of the importer or of the exporter), then build again",
                close.join("; ")
            )
        };
        return Err(ProjectError::Unsatisfied {
            importer,
            import,
            help,
        });
    }
    Ok(())
}

fn hex_digest(hasher: Sha256) -> String {
    hex::encode(hasher.finalize())
}
