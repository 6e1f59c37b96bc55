//! `compose add NAME --lang LANG --world WORLD [--new-world]`: a new component in the
//! project: its folder with a stub of every export to fill in, and its table in compose.toml.

use std::path::{Path, PathBuf};

use compose_toolchains::Language;
use compose_wit::ProjectWit;

use crate::fsutil::write_atomic;
use crate::{Manifest, ProjectError};

/// What to add.
#[derive(Debug, Clone)]
pub struct AddRequest<'a> {
    /// The component's name (and folder).
    pub name: &'a str,
    /// Its language.
    pub language: Language,
    /// The world it implements.
    pub world: &'a str,
    /// Add `world WORLD {}` to the project's WIT when it is not there.
    pub new_world: bool,
}

/// Adds the component; returns its folder.
pub fn add_component(
    manifest: &Manifest,
    request: &AddRequest<'_>,
) -> Result<PathBuf, ProjectError> {
    let fail = |message: String, help: &str| ProjectError::New {
        message,
        help: help.to_string(),
    };
    compose_wit::names::check_kebab(request.name).map_err(|help| ProjectError::New {
        message: format!(
            "`{}` cannot name a component: it becomes its folder and file names",
            request.name
        ),
        help: help.clone(),
    })?;
    if manifest.component(request.name).is_some() {
        return Err(fail(
            format!("compose.toml already has a component `{}`", request.name),
            "choose another name",
        ));
    }
    let dir = manifest.root_dir.join(request.name);
    if dir.exists() {
        return Err(fail(
            format!("`{}` already exists", dir.display()),
            "choose another name, or declare the existing folder in compose.toml by hand",
        ));
    }
    let mut wit = manifest.load_wit()?;
    if wit.world(request.world).is_err() {
        if !request.new_world {
            let known = wit.world_names().join(", ");
            return Err(fail(
                format!(
                    "world `{}` is not defined in the project's WIT",
                    request.world
                ),
                &format!("choose one of: {known}; or pass --new-world to add an empty one"),
            ));
        }
        wit = add_world(manifest, request.world)?;
    }
    let world = wit.world(request.world)?;
    let wit_from_component = relative(&manifest.wit_dir, &manifest.root_dir)
        .map(|rel| Path::new("..").join(rel))
        .unwrap_or_else(|| manifest.wit_dir.clone());
    let files = compose_toolchains::stubs::component_stub(
        request.name,
        request.language,
        &wit.resolve,
        world,
        &wit_from_component,
    )
    .map_err(|e| {
        fail(
            format!("cannot start a {} component: {e:#}", request.language),
            "see the README",
        )
    })?;

    // Fill a temporary folder, rename it into place, then record it in compose.toml.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}-", request.name))
        .tempdir_in(&manifest.root_dir)
        .map_err(|e| {
            ProjectError::io(
                format!("create a folder in `{}`", manifest.root_dir.display()),
                e,
            )
        })?;
    for (rel, contents) in &files {
        write_atomic(&staging.path().join(rel), contents)?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        ProjectError::io(format!("create `{}`", dir.display()), e)
    })?;
    if let Err(e) = record(manifest, request) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    Ok(dir)
}

/// Appends `[components.NAME]` to compose.toml, keeping everything else as written.
fn record(manifest: &Manifest, request: &AddRequest<'_>) -> Result<(), ProjectError> {
    let text = std::fs::read_to_string(&manifest.path)
        .map_err(|e| ProjectError::io(format!("read `{}`", manifest.path.display()), e))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| ProjectError::New {
        message: format!("cannot edit `{}`: {e}", manifest.path.display()),
        help: "fix compose.toml first".into(),
    })?;
    let components = doc
        .entry("components")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| ProjectError::New {
            message: "`components` in compose.toml is not a table".into(),
            help: "fix compose.toml first".into(),
        })?;
    let mut table = toml_edit::Table::new();
    table["language"] = toml_edit::value(request.language.as_str());
    table["path"] = toml_edit::value(request.name);
    table["world"] = toml_edit::value(request.world);
    components.insert(request.name, toml_edit::Item::Table(table));
    // The only component was the root without saying so; with a second one it must be said.
    if let ([only], None) = (manifest.components.as_slice(), &manifest.root) {
        let compose = doc
            .entry("compose")
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
            .as_table_mut()
            .ok_or_else(|| ProjectError::New {
                message: "`compose` in compose.toml is not a table".into(),
                help: "fix compose.toml first".into(),
            })?;
        compose["root"] = toml_edit::value(only.name.as_str());
    }
    write_atomic(&manifest.path, doc.to_string().as_bytes())
}

/// Adds an empty world to the file of the project's WIT that declares its package; checks
/// that the WIT still resolves, and puts the file back as it was if not.
fn add_world(manifest: &Manifest, world: &str) -> Result<ProjectWit, ProjectError> {
    let wit_dir = manifest.wit_dir.as_path();
    // The project's own files, not the copy merged with the host's WASI.
    let mut files: Vec<PathBuf> = std::fs::read_dir(wit_dir)
        .map_err(|e| ProjectError::io(format!("read `{}`", wit_dir.display()), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    files.sort();
    let file = files
        .into_iter()
        .find(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.lines().any(|l| l.trim_start().starts_with("package ")))
        })
        .ok_or_else(|| ProjectError::New {
            message: format!("no file in `{}` declares the package", wit_dir.display()),
            help: "add the world by hand".into(),
        })?;
    let before = std::fs::read_to_string(&file)
        .map_err(|e| ProjectError::io(format!("read `{}`", file.display()), e))?;
    let after = format!(
        "{}\n\n/// Added by `compose add`.\nworld {world} {{\n}}\n",
        before.trim_end()
    );
    write_atomic(&file, after.as_bytes())?;
    match manifest.load_wit() {
        Ok(loaded) => Ok(loaded),
        Err(e) => {
            write_atomic(&file, before.as_bytes())?;
            Err(e)
        }
    }
}

/// `path` relative to `base`, when it is inside it.
fn relative(path: &Path, base: &Path) -> Option<PathBuf> {
    path.strip_prefix(base).ok().map(Path::to_path_buf)
}
