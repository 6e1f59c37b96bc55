//! The link step of a build: one composition of the built components, planned from the root
//! with the manifest's wiring, checked against what the host provides, encoded; or, when
//! nothing it depends on changed, the last result and its report.

use compose_linker::{Composition, Host, Link, LinkError};
use compose_wit::wit_parser::WorldId;
use sha2::{Digest, Sha256};

use super::component::Ready;
use super::{BuildEvent, BuildReport, ComponentReport, Context};
use crate::manifest::ComponentDecl;
use crate::ProjectError;

pub(super) fn link(
    cx: &Context<'_>,
    root: &str,
    ready: Vec<(&ComponentDecl, WorldId, Ready)>,
) -> Result<BuildReport, ProjectError> {
    let manifest = cx.manifest;
    let io = |what: String| move |e: std::io::Error| ProjectError::io(what, e);
    let name = &manifest.name;
    let output = cx.out.path().join(format!("{name}.wasm"));
    let report_path = cx.out.path().join(format!("{name}.build.json"));

    // The link's inputs: every part (by the digest of its inputs), the root, the wiring,
    // the host's imports and compose itself.
    let mut key = Sha256::new();
    key.update(env!("CARGO_PKG_VERSION"));
    key.update(root.as_bytes());
    for (decl, _, r) in &ready {
        key.update(decl.name.as_bytes());
        key.update(&r.digest);
    }
    key.update(format!("{:?}", manifest.wiring));
    let script = match &manifest.wac {
        Some(path) => Some((
            path,
            std::fs::read_to_string(path).map_err(io(format!("read `{}`", path.display())))?,
        )),
        None => None,
    };
    if let Some((_, source)) = &script {
        key.update(source.as_bytes());
    }
    // This compose's own build: a newer compose links anew.
    key.update(compose_fs::exe_stamp());
    key.update(format!("{:?}", manifest.host_imports));
    let grants = manifest.grants();
    key.update(format!("{grants:?}"));
    key.update(format!("{:?}", compose_runtime::wasi_version()));
    let key = hex::encode(key.finalize());
    let all_fresh = ready.iter().all(|(_, _, r)| r.fresh);

    let previous: Option<BuildReport> = std::fs::read(&report_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let stamp = cx.out.path().join(format!("{name}.wasm.inputs"));
    let link_fresh =
        output.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == key);
    if let (true, Some(mut report)) = (link_fresh, previous) {
        report.fresh = all_fresh;
        for c in &mut report.components {
            c.fresh = ready.iter().any(|(d, _, r)| d.name == c.name && r.fresh);
            // Nothing was built this time.
            c.timings.clear();
        }
        return Ok(report);
    }

    let mut composition = Composition::new();
    let mut components = Vec::new();
    for (decl, world, mut r) in ready {
        let bytes = r.take_bytes()?;
        let size = bytes.len();
        let part = composition.add(&decl.name, bytes)?;
        components.push(ComponentReport {
            name: decl.name.clone(),
            language: decl.language().to_string(),
            world: decl.world.clone(),
            artifact: r.artifact,
            size,
            fresh: r.fresh,
            declared_at: cx
                .wit
                .resolve
                .source_map
                .render_location(cx.wit.resolve.worlds[world].span),
            imports: part.import_names(),
            exports: part.export_names(),
            timings: r.timings.clone(),
        });
    }
    match &script {
        Some((path, source)) => {
            let shown = path
                .strip_prefix(&manifest.root_dir)
                .unwrap_or(path)
                .display()
                .to_string();
            let wired = compose_linker::wac::wiring(&shown, source, &composition, Some(root))?;
            cx.tell(BuildEvent::Script { path });
            composition.plan_links(&wired.root, wired.links)?;
        }
        None => composition
            .plan(root, &manifest.wiring)
            .map_err(|e| locate_wiring(manifest, e))?,
    }
    cx.tell(BuildEvent::Linking { root });
    for (import, chain) in chains(composition.inferred(), composition.links()) {
        cx.tell(BuildEvent::Wired {
            import: &import,
            chain: &chain,
        });
    }
    let host = Host {
        wasi: compose_runtime::wasi_version(),
        wasi_next: compose_runtime::wasi_p3_version(),
        provides: manifest.host_imports.clone(),
    };
    composition.check_host(&host)?;
    // After the host's checks: a WASI version it lacks is said as such, not as a link.
    let confinements = crate::ops::confine::confine(&mut composition, &grants)
        .map_err(|e| locate_grants(manifest, e))?;
    let composed = composition.encode()?;
    let mut imports: Vec<String> = composition
        .unlinked()
        .iter()
        .map(|u| u.item.name.clone())
        .collect();
    imports.sort();
    imports.dedup();
    let report = BuildReport {
        size: composed.len(),
        output: output.clone(),
        fresh: false,
        profile: cx.profile.to_string(),
        components,
        links: composition.links().to_vec(),
        imports,
        confinements,
        inferred: composition.inferred().to_vec(),
    };
    let _ = std::fs::remove_file(&stamp);
    cx.out
        .write(&format!("{name}.wasm"), &composed)
        .map_err(io(format!("write `{}`", output.display())))?;
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    cx.out
        .write(&format!("{name}.build.json"), &json)
        .map_err(io(format!("write `{}`", report_path.display())))?;
    cx.out
        .write(&format!("{name}.wasm.inputs"), key.as_bytes())
        .map_err(io(format!("write `{}`", stamp.display())))?;
    Ok(report)
}

/// For each import whose providers were inferred, the chain its links make, from the
/// importer no one provides it to: `app → middle → leaf`.
fn chains(inferred: &[compose_linker::Inferred], links: &[Link]) -> Vec<(String, String)> {
    let mut imports: Vec<&str> = inferred.iter().map(|i| i.import.as_str()).collect();
    imports.dedup();
    imports
        .into_iter()
        .map(|import| {
            let of: Vec<&Link> = links.iter().filter(|l| l.import == import).collect();
            let starts = of
                .iter()
                .filter(|l| !of.iter().any(|m| m.exporter == l.importer))
                .map(|l| l.importer.as_str());
            let chains: Vec<String> = starts
                .map(|start| {
                    let mut chain = vec![start];
                    while let Some(next) = of
                        .iter()
                        .find(|l| Some(&l.importer.as_str()) == chain.last())
                    {
                        if chain.contains(&next.exporter.as_str()) {
                            break;
                        }
                        chain.push(&next.exporter);
                    }
                    chain.join(" → ")
                })
                .collect();
            (import.to_string(), chains.join("; "))
        })
        .collect()
}

/// Grants compose cannot enforce point at the component's `grants` (or its table).
fn locate_grants(manifest: &crate::Manifest, e: LinkError) -> ProjectError {
    if let LinkError::Ungrantable { component, .. } = &e {
        if let Some(decl) = manifest.component(component) {
            let span = decl.grants.span.clone().unwrap_or(decl.world_span.clone());
            let help = miette::Diagnostic::help(&e).map(|h| h.to_string());
            return manifest.error_at(span, e.to_string(), "these grants", help);
        }
    }
    e.into()
}

/// A wiring error points at its line of compose.toml.
fn locate_wiring(manifest: &crate::Manifest, e: LinkError) -> ProjectError {
    if let LinkError::BadWire {
        importer, import, ..
    } = &e
    {
        if let Some(span) = manifest.wire_span(importer.as_deref(), import) {
            return manifest.error_at(
                span,
                e.to_string(),
                "this wiring",
                Some("each entry names an import and the component that exports it; `[compose.wire.<importer>]` does so for one importer".into()),
            );
        }
    }
    e.into()
}
