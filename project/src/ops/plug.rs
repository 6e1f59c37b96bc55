//! `--plug`: a component and the libraries given on the command line, composed in memory
//! (like `wac plug`, without a file or a manifest) with the same planning, type checks and
//! diagnostics as a build.

use std::path::{Path, PathBuf};

use compose_linker::{Composition, Host, Link, LinkError, Wiring};

use crate::ProjectError;

/// A composition made for one run.
#[derive(Debug, Clone)]
pub struct Plugged {
    /// What it is called in messages: `app.wasm + greeter.wasm`.
    pub name: String,
    /// The composed component.
    pub bytes: Vec<u8>,
    /// The app's name in the composition (its file's stem).
    pub root: String,
    /// Who provides what to whom (the plan, not read back from the bytes: this is start-up).
    pub links: Vec<Link>,
    /// Plugs that provide nothing the composition uses.
    pub unused: Vec<String>,
    /// How each plugged library gets WASI.
    pub confinements: Vec<compose_linker::Confinement>,
}

/// Composes `app` with `plugs`: each import of the app (and of the plugs it uses) is
/// satisfied by the one plug that exports it; WASI stays the host's.
pub fn plug(app: &Path, plugs: &[PathBuf]) -> Result<Plugged, ProjectError> {
    let mut composition = Composition::new();
    let mut names = Vec::new();
    for path in std::iter::once(&app.to_path_buf()).chain(plugs) {
        let bytes = compose_fs::read_regular(path, compose_toolchains::MAX_COMPONENT_SIZE)
            .map_err(|e| ProjectError::io(format!("read `{}`", path.display()), e))?;
        let name = unique_name(path, &names);
        // Validated once, by the composition: this is every plugged run's start-up, so the
        // file is decoded as WIT only when it holds nothing but types.
        let part = composition.add(&name, bytes)?;
        if part.holds_only_types() {
            let what = path.display().to_string();
            if let Some(package) = super::wit::wit_package_name(part.bytes(), &what) {
                return Err(super::wit::not_a_component(
                    &what,
                    &package,
                    "plug in components: a library's built `.wasm` (target/compose/<profile>/components/<name>/<name>.wasm in a project)",
                ));
            }
        }
        names.push(name);
    }
    let root = names[0].clone();
    composition
        .plan(&root, &Wiring::default())
        .map_err(|e| for_plugs(e, &names))?;
    composition
        .check_host(&Host {
            wasi: compose_runtime::wasi_version(),
            wasi_next: compose_runtime::wasi_p3_version(),
            provides: Vec::new(),
        })
        .map_err(|e| for_plugs(e, &names))?;
    // Plugged libraries get nothing of the run: they are someone else's code.
    let confinements = super::confine::confine(&mut composition, &Default::default())?;
    let bytes = composition.encode()?;
    let used: Vec<String> = composition
        .planned()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let unused = names[1..]
        .iter()
        .filter(|n| !used.contains(n))
        .cloned()
        .collect();
    let name = std::iter::once(app)
        .chain(plugs.iter().map(PathBuf::as_path))
        .map(|p| {
            p.file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
        })
        .collect::<Vec<_>>()
        .join(" + ");
    Ok(Plugged {
        name,
        bytes,
        links: composition.links().to_vec(),
        root,
        unused,
        confinements,
    })
}

/// A component's name in the composition: its file's stem, kebab-cased, numbered when two
/// files share one.
fn unique_name(path: &Path, taken: &[String]) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut base: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    if base.is_empty() || !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base = format!("component-{base}")
            .trim_end_matches('-')
            .to_string();
    }
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The link errors whose advice is about compose.toml, told for the command line instead.
fn for_plugs(e: LinkError, names: &[String]) -> ProjectError {
    match e {
        LinkError::Ambiguous {
            importer,
            import,
            providers,
        } => ProjectError::Input {
            message: format!(
                "`{importer}` imports `{import}`, which several plugs export: {providers}"
            ),
            help: "give only one of them with --plug (or write a compose.toml and wire it with `[compose.wire]`)".into(),
        },
        LinkError::Unsatisfied {
            importer,
            what,
            import,
            ..
        } => ProjectError::Input {
            message: format!(
                "`{importer}` imports {what} `{import}`, but no plug exports it (plugs: {})",
                if names.len() > 1 {
                    names[1..].join(", ")
                } else {
                    "none".into()
                }
            ),
            help: format!("add `--plug FILE.wasm` with a component whose world exports `{import}`"),
        },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::unique_name;
    use std::path::Path;

    #[test]
    fn names_come_from_file_stems_and_never_clash() {
        let taken = vec!["greeter".to_string()];
        assert_eq!(unique_name(Path::new("/x/App_Main.wasm"), &[]), "app-main");
        assert_eq!(unique_name(Path::new("greeter.wasm"), &taken), "greeter-2");
        assert_eq!(
            unique_name(Path::new("9lives.wasm"), &[]),
            "component-9lives"
        );
    }
}
