//! `compose.toml`: read, checked, and every error pointed at its line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use compose_linker::Wiring;
use compose_toolchains::{BindingOptions, Language};
use miette::{NamedSource, SourceSpan};
use toml::Spanned;

use crate::error::ManifestDiagnostic;
use crate::ProjectError;

mod component;
mod grants;
mod raw;
mod run;
mod wire;

pub use grants::ComponentGrants;
pub use run::RunDefaults;

/// The manifest's file name.
pub const FILE_NAME: &str = "compose.toml";

/// A `max-size` value: a size such as `3MiB`, pointed at when it is not one.
pub(super) fn budget(at: &Locator<'_>, value: &Spanned<String>) -> Result<Budget, ProjectError> {
    let bytes = compose_runtime::parse_size(value.get_ref()).map_err(|message| {
        at.error(
            value.span(),
            format!("bad `max-size`: {message}"),
            "bad size",
            Some("write a size such as \"3MiB\", \"512KiB\" or a number of bytes".into()),
        )
    })?;
    Ok(Budget {
        bytes,
        span: value.span(),
    })
}

/// The keys compose.toml knows, for the help of an unknown one.
const KNOWN_KEYS: &str = "[project] name; [wit] path; [components.NAME] language, path, world, registry, bindings, include, preinit, max-size, grants (dirs, env, net, http, stdin, stdout, stderr); [compose] root, wire, wac, host-imports, max-size; [compose.wire.IMPORTER]; [run] dirs, env, allow-net, allow-name-lookup, max-memory, timeout, fuel, max-stack; [deploy] image, http-host, nats, name";

/// A checked manifest. Paths are absolute.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// The project's folder (the manifest's parent).
    pub root_dir: PathBuf,
    /// `[project] name` (kebab-case: it names output files).
    pub name: String,
    /// `[wit] path`.
    pub wit_dir: PathBuf,
    /// `[components.*]`, in name order.
    pub components: Vec<ComponentDecl>,
    /// `[compose] root` as written; see [`Manifest::root`].
    pub root: Option<String>,
    /// `[compose] wire`: which component provides an import, for all importers or one.
    pub wiring: Wiring,
    /// `[compose] wac`, or the one `.wac` file of the project's folder: wac's composition
    /// script, which wires the components instead of `wire` (absolute).
    pub wac: Option<PathBuf>,
    /// `[compose] host-imports`: non-WASI imports the result may keep for its host.
    pub host_imports: Vec<String>,
    /// `[run]`: grants every `compose run` of this project gets.
    pub run: RunDefaults,
    /// `[compose] max-size`: the most the composed result may weigh.
    pub max_size: Option<Budget>,
    /// `[deploy]`: where `compose deploy` sends the service (each key a flag too).
    pub deploy: DeployDefaults,
    source: String,
    name_span: Range<usize>,
    /// Where each wiring entry is written: (importer or none, import) → span.
    wire_spans: BTreeMap<(Option<String>, String), Range<usize>>,
}

/// `[deploy]` as written; a flag of `compose deploy` wins over each.
#[derive(Debug, Clone, Default)]
pub struct DeployDefaults {
    /// The registry repository (`host:port/name`, a tag optional).
    pub image: Option<String>,
    /// The host name requests reach the service by.
    pub http_host: Option<String>,
    /// The engine's NATS (`nats://host:port`).
    pub nats: Option<String>,
    /// The service's name (default: the project's).
    pub name: Option<String>,
}

/// Where a component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentSource {
    /// Sources in a folder, built with the toolchain of their language.
    Local { language: Language, dir: PathBuf },
    /// A component file, used as it is (`language = "wasm"`).
    Prebuilt { file: PathBuf },
    /// A published component (`registry = "ns:name@version"`), pulled by the build.
    Registry { package: String },
}

/// One `[components.NAME]` table.
#[derive(Debug, Clone)]
pub struct ComponentDecl {
    /// Its name (kebab-case: it names folders and files).
    pub name: String,
    /// Where it comes from.
    pub source: ComponentSource,
    /// The world it implements (in the project's WIT).
    pub world: String,
    /// Where `world = ...` is written, for errors about the world.
    pub world_span: Range<usize>,
    /// Options for its language's bindings generator (`bindings = { ... }`).
    pub bindings: BindingOptions,
    /// `include = [...]`: folders outside its own that its sources use (C include folders,
    /// Python module folders), absolute; they are inputs of its build like its own.
    pub include: Vec<PathBuf>,
    /// `preinit = true`: the built component is snapshotted after its start-up code ran, so
    /// its instances skip that start-up (Rust, Go and C components).
    pub preinit: bool,
    /// `max-size = "3MiB"`: the most the built component may weigh.
    pub max_size: Option<Budget>,
    /// `grants = { ... }`: what of the run it may use (a component other than the root gets
    /// nothing unless granted).
    pub grants: ComponentGrants,
}

/// `[compose] wac`, or the one `.wac` file in the project's folder when `[compose]` names
/// neither a script nor any wiring.
fn wac_script(
    at: &Locator<'_>,
    compose: Option<&raw::RawCompose>,
    root_dir: &Path,
    wiring: &Wiring,
) -> Result<Option<PathBuf>, ProjectError> {
    if let Some(named) = compose.and_then(|c| c.wac.as_ref()) {
        let path = root_dir.join(named.get_ref());
        if !path.is_file() {
            return Err(at.error(
                named.span(),
                format!("the composition script `{}` does not exist", path.display()),
                "not found",
                Some("write the path of a `.wac` file, relative to compose.toml".into()),
            ));
        }
        if wiring.entries().next().is_some() {
            return Err(at.error(
                named.span(),
                "both `wac` and `wire` say which component provides what".into(),
                "a script",
                Some("keep one: the script's `new ... { import: other.export }` lines, or `[compose.wire]`".into()),
            ));
        }
        return Ok(Some(path));
    }
    if wiring.entries().next().is_some() {
        return Ok(None);
    }
    let scripts: Vec<PathBuf> = std::fs::read_dir(root_dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "wac") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    Ok(match scripts.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// The root a script names by exporting an instance's exports.
fn declared_root(
    at: &Locator<'_>,
    script: &Path,
    root_dir: &Path,
) -> Result<Option<String>, ProjectError> {
    let source = std::fs::read_to_string(script).map_err(|e| {
        at.error(
            0..0,
            format!(
                "cannot read the composition script `{}`: {e}",
                script.display()
            ),
            "",
            None,
        )
    })?;
    let shown = script.strip_prefix(root_dir).unwrap_or(script);
    Ok(compose_linker::wac::declared_root(
        &shown.display().to_string(),
        &source,
    )?)
}

/// A size budget (`max-size`) and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
    pub span: Range<usize>,
}

impl ComponentDecl {
    /// The language its sources are in (`wasm` for a prebuilt or published component).
    pub fn language(&self) -> Language {
        match &self.source {
            ComponentSource::Local { language, .. } => *language,
            _ => Language::Wasm,
        }
    }

    /// The published package it comes from, if any.
    pub fn registry(&self) -> Option<&str> {
        match &self.source {
            ComponentSource::Registry { package } => Some(package),
            _ => None,
        }
    }
}

impl Manifest {
    /// Finds `compose.toml` in `start` or its parents.
    pub fn find(start: &Path) -> Result<PathBuf, ProjectError> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Ok(candidate);
            }
            dir = d.parent();
        }
        Err(ProjectError::NoManifest {
            dir: start.display().to_string(),
        })
    }

    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self, ProjectError> {
        let bytes = compose_fs::read_regular(path, 16 << 20)
            .map_err(|e| ProjectError::io(format!("read `{}`", path.display()), e))?;
        let source = String::from_utf8(bytes).map_err(|_| ProjectError::Input {
            message: format!("`{}` is not UTF-8 text", path.display()),
            help: "compose.toml is a TOML file, which is UTF-8".into(),
        })?;
        let path = std::path::absolute(path)
            .map_err(|e| ProjectError::io(format!("resolve `{}`", path.display()), e))?;
        Self::parse(&path, source)
    }

    /// Checks manifest text that was read from `path`.
    pub fn parse(path: &Path, source: String) -> Result<Self, ProjectError> {
        let root_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let at = Locator {
            path,
            source: &source,
        };
        let raw: raw::RawManifest = toml::from_str(&source).map_err(|e| {
            at.error(
                e.span().unwrap_or(0..0),
                format!("invalid {FILE_NAME}: {}", e.message().trim()),
                "here",
                Some(format!("the keys compose.toml knows are: {KNOWN_KEYS}")),
            )
        })?;
        let name = &raw.project.name;
        compose_wit::names::check_kebab(name.get_ref()).map_err(|help| {
            at.error(
                name.span(),
                format!("`{}` cannot name a project", name.get_ref()),
                "not a kebab-case name",
                Some(format!("{help} (the name becomes the result's file name)")),
            )
        })?;

        let wit_dir = match &raw.wit {
            Some(w) => root_dir.join(w.path.get_ref()),
            None => root_dir.join("wit"),
        };
        if !wit_dir.is_dir() {
            let (span, label) = match &raw.wit {
                Some(w) => (w.path.span(), "this folder does not exist"),
                None => (name.span(), "no [wit] path given, and ./wit does not exist"),
            };
            return Err(at.error(
                span,
                format!("WIT folder `{}` does not exist", wit_dir.display()),
                label,
                Some(
                    "create it, or set `[wit] path` to the folder holding the project's .wit files"
                        .into(),
                ),
            ));
        }

        let run = match &raw.run {
            Some(r) => run::parse(&at, &root_dir, r)?,
            None => RunDefaults::default(),
        };
        let components = raw
            .components
            .iter()
            .map(|(name, table)| component::parse(&at, &root_dir, name, table, &run))
            .collect::<Result<Vec<_>, _>>()?;
        let compose = raw.compose.as_ref();
        let root = match compose.and_then(|c| c.root.as_ref()) {
            Some(r) => {
                if !components.iter().any(|c| c.name == *r.get_ref()) {
                    let known: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
                    return Err(at.error(
                        r.span(),
                        format!("root `{}` is not a component of this project", r.get_ref()),
                        "unknown component",
                        Some(format!("choose one of: {}", known.join(", "))),
                    ));
                }
                Some(r.get_ref().clone())
            }
            None => None,
        };
        let (wiring, wire_spans) = match compose {
            Some(c) => wire::parse(&at, &c.wire, &components)?,
            None => Default::default(),
        };
        let wac = wac_script(&at, compose, &root_dir, &wiring)?;
        // A script that exports an instance's exports names the root.
        let root = match (&root, &wac) {
            (None, Some(script)) => declared_root(&at, script, &root_dir)?,
            _ => root,
        };
        let max_size = compose
            .and_then(|c| c.max_size.as_ref())
            .map(|v| budget(&at, v))
            .transpose()?;
        let root_name = root.clone().or_else(|| match components.as_slice() {
            [only] => Some(only.name.clone()),
            _ => None,
        });
        if let Some(root) = components
            .iter()
            .find(|c| Some(&c.name) == root_name.as_ref())
        {
            if let Some(span) = root.grants.span.clone() {
                return Err(at.error(
                    span,
                    format!("`{}` is the root: it gets what the run grants", root.name),
                    "grants of the root",
                    Some("remove `grants` here and narrow the run instead (`[run]`, or the flags of `compose run`); grants are for the components it uses".into()),
                ));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            name: name.get_ref().clone(),
            name_span: name.span(),
            wit_dir,
            components,
            root,
            wiring,
            wac,
            wire_spans,
            host_imports: compose.map(|c| c.host_imports.clone()).unwrap_or_default(),
            run,
            max_size,
            deploy: raw
                .deploy
                .as_ref()
                .map(|d| DeployDefaults {
                    image: d.image.clone(),
                    http_host: d.http_host.clone(),
                    nats: d.nats.clone(),
                    name: d.name.clone(),
                })
                .unwrap_or_default(),
            root_dir,
            source,
        })
    }

    /// An error pointing at `span` of this manifest.
    pub fn error_at(
        &self,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ProjectError {
        self.locator().error(span, message, label, help)
    }

    fn locator(&self) -> Locator<'_> {
        Locator {
            path: &self.path,
            source: &self.source,
        }
    }

    /// Where the wiring of `import` (for `importer`, or for all) is written, if it is.
    pub fn wire_span(&self, importer: Option<&str>, import: &str) -> Option<Range<usize>> {
        self.wire_spans
            .get(&(importer.map(str::to_string), import.to_string()))
            .cloned()
    }

    /// The component whose exports the composed result has: `[compose] root`, or the only
    /// component. An error when there is no component, or several and no root.
    pub fn root(&self) -> Result<&str, ProjectError> {
        if let Some(root) = &self.root {
            return Ok(root);
        }
        match self.components.as_slice() {
            [only] => Ok(&only.name),
            [] => Err(self.error_at(
                self.name_span.clone(),
                format!("{FILE_NAME} declares no component"),
                "in this project",
                Some("add one with `compose add NAME --lang LANG --world WORLD`, or a [components.NAME] table with language, path and world".into()),
            )),
            _ => Err(self.error_at(
                self.name_span.clone(),
                "several components and no `[compose] root`".into(),
                "in this project",
                Some("add `[compose]` with `root = \"<component whose exports the result has>\"`".into()),
            )),
        }
    }

    /// Each component's grants, by name (what the linker confines it to unless it is the
    /// root).
    pub fn grants(&self) -> BTreeMap<String, compose_linker::Grants> {
        self.components
            .iter()
            .map(|c| (c.name.clone(), c.grants.grants.clone()))
            .collect()
    }

    /// The component declared as `name`.
    pub fn component(&self, name: &str) -> Option<&ComponentDecl> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The project's WIT. WASI packages it names and does not carry are added to its
    /// `deps/` from the runtime's own (the version compose runs).
    pub fn load_wit(&self) -> Result<compose_wit::ProjectWit, ProjectError> {
        let host = compose_runtime::host_wit(&compose_wit::own_text(&self.wit_dir));
        let host: Vec<(&str, &str)> = host.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        Ok(compose_wit::ProjectWit::load_with_host(
            &self.wit_dir,
            &host,
        )?)
    }

    /// The composed result of a build in `profile`: `target/compose/<profile>/<name>.wasm`.
    pub fn output(&self, profile: compose_toolchains::Profile) -> PathBuf {
        self.out_dir()
            .path()
            .join(profile.as_str())
            .join(format!("{}.wasm", self.name))
    }

    /// The folder compose writes a project's outputs in: `<project>/target/compose`, never
    /// reached through a symbolic link.
    pub fn out_dir(&self) -> compose_fs::Confined {
        compose_fs::Confined::new(&self.root_dir, "target/compose")
            .expect("a relative path without `..`")
    }
}

/// Makes errors that point into one manifest's text.
pub(crate) struct Locator<'a> {
    pub path: &'a Path,
    pub source: &'a str,
}

impl Locator<'_> {
    pub fn error(
        &self,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> ProjectError {
        let line = self.source[..span.start.min(self.source.len())]
            .matches('\n')
            .count()
            + 1;
        ProjectError::Manifest(Box::new(ManifestDiagnostic {
            message: format!("{}:{line}: {message}", self.path.display()),
            src: NamedSource::new(self.path.display().to_string(), self.source.to_string()),
            span: SourceSpan::from(span),
            label: label.to_string(),
            help,
        }))
    }
}

#[cfg(test)]
mod tests;
