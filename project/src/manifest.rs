//! `compose.toml`: read, checked, and every error pointed at its line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use compose_runtime::{parse_duration, parse_size, DirGrant, Limits, NetRule};
use compose_toolchains::Language;
use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::error::ManifestDiagnostic;
use crate::ProjectError;

/// The manifest's file name.
pub const FILE_NAME: &str = "compose.toml";

/// A checked manifest. Paths are absolute.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// The project's folder (the manifest's parent).
    pub root_dir: PathBuf,
    /// `[project] name`.
    pub name: String,
    /// `[wit] path`.
    pub wit_dir: PathBuf,
    /// `[components.*]`, in name order.
    pub components: Vec<ComponentDecl>,
    /// `[compose] root` as written; see [`Manifest::root`].
    pub root: Option<String>,
    /// `[compose] wire`: import name → component that provides it.
    pub wire: BTreeMap<String, String>,
    /// `[compose] host-imports`: non-WASI imports the result may keep for its host.
    pub host_imports: Vec<String>,
    /// `[run]`: grants every `compose run` of this project gets.
    pub run: RunDefaults,
    source: String,
    name_span: Range<usize>,
}

/// One `[components.NAME]` table.
#[derive(Debug, Clone)]
pub struct ComponentDecl {
    /// Its name.
    pub name: String,
    /// Its language.
    pub language: Language,
    /// Its source folder (or, for `wasm`, the component file). Empty for a component from a
    /// registry until the build has pulled it.
    pub path: PathBuf,
    /// `registry = "ns:name@version"`: a published component, pulled and linked like a
    /// local one (its language is `wasm`).
    pub registry: Option<String>,
    /// The world it implements (in the project's WIT).
    pub world: String,
    /// Where `world = ...` is written, for errors about the world.
    pub world_span: Range<usize>,
}

/// `[run]`: grants and limits from the manifest.
#[derive(Debug, Clone, Default)]
pub struct RunDefaults {
    /// Directories.
    pub dirs: Vec<DirGrant>,
    /// Environment variables: `NAME=value`, or `NAME` to pass the host's value.
    pub env: Vec<String>,
    /// Addresses the guest may reach.
    pub network: Vec<NetRule>,
    /// Whether it may resolve names.
    pub name_lookup: bool,
    /// Limits (a flag on the command line overrides each).
    pub limits: Limits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    project: RawProject,
    #[serde(default)]
    wit: Option<RawWit>,
    #[serde(default)]
    components: BTreeMap<String, Spanned<RawComponent>>,
    #[serde(default)]
    compose: Option<RawCompose>,
    #[serde(default)]
    run: Option<RawRun>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWit {
    path: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    language: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    registry: Option<Spanned<String>>,
    world: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCompose {
    root: Option<Spanned<String>>,
    #[serde(default)]
    wire: BTreeMap<String, String>,
    #[serde(default)]
    host_imports: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRun {
    #[serde(default)]
    dirs: Vec<Spanned<String>>,
    #[serde(default)]
    env: Vec<Spanned<String>>,
    #[serde(default)]
    allow_net: Vec<Spanned<String>>,
    #[serde(default)]
    allow_name_lookup: bool,
    max_memory: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    fuel: Option<u64>,
    max_stack: Option<Spanned<String>>,
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
        let source = std::fs::read_to_string(path)
            .map_err(|e| ProjectError::io(format!("read `{}`", path.display()), e))?;
        let path = std::path::absolute(path)
            .map_err(|e| ProjectError::io(format!("resolve `{}`", path.display()), e))?;
        Self::parse(&path, source)
    }

    /// Checks manifest text that was read from `path`.
    pub fn parse(path: &Path, source: String) -> Result<Self, ProjectError> {
        let root_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let at = |span: Range<usize>, message: String, label: &str, help: Option<String>| {
            located(path, &source, span, message, label, help)
        };
        let raw: RawManifest = toml::from_str(&source).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            at(
                span,
                format!("invalid {FILE_NAME}: {}", e.message().trim()),
                "here",
                Some("the keys compose.toml knows are: [project] name; [wit] path; [components.NAME] language, path, world, registry; [compose] root, wire, host-imports; [run] dirs, env, allow-net, allow-name-lookup, max-memory, timeout, fuel, max-stack".to_string()),
            )
        })?;

        let wit_dir = match &raw.wit {
            Some(w) => root_dir.join(w.path.get_ref()),
            None => root_dir.join("wit"),
        };
        if !wit_dir.is_dir() {
            let (span, label) = match &raw.wit {
                Some(w) => (w.path.span(), "this folder does not exist"),
                None => (
                    raw.project.name.span(),
                    "no [wit] path given, and ./wit does not exist",
                ),
            };
            return Err(at(
                span,
                format!("WIT folder `{}` does not exist", wit_dir.display()),
                label,
                Some(
                    "create it, or set `[wit] path` to the folder holding the project's .wit files"
                        .into(),
                ),
            ));
        }

        let mut components = Vec::new();
        for (name, spanned) in &raw.components {
            let c = spanned.get_ref();
            if let Some(registry) = &c.registry {
                if let Some(path) = &c.path {
                    return Err(at(
                        path.span(),
                        format!("component `{name}` has both `path` and `registry`"),
                        "one or the other",
                        Some(
                            "a component is built from a folder, or pulled from a registry".into(),
                        ),
                    ));
                }
                if let Some(l) = c.language.as_ref().filter(|l| l.get_ref() != "wasm") {
                    return Err(at(
                        l.span(),
                        format!("component `{name}` comes from a registry, so it is already built"),
                        "not for a registry component",
                        Some("remove `language` (or write \"wasm\")".into()),
                    ));
                }
                compose_registry::PackageSpec::parse(registry.get_ref()).map_err(|e| {
                    at(
                        registry.span(),
                        format!("component `{name}`: {e}"),
                        "here",
                        None,
                    )
                })?;
                components.push(ComponentDecl {
                    name: name.clone(),
                    language: Language::Wasm,
                    path: PathBuf::new(),
                    registry: Some(registry.get_ref().clone()),
                    world: c.world.get_ref().clone(),
                    world_span: c.world.span(),
                });
                continue;
            }
            let missing = |key: &str| {
                at(
                    spanned.span(),
                    format!("component `{name}` has no `{key}`"),
                    "in this table",
                    Some(
                        "a component has `language`, `path` and `world`; or `registry` and `world`"
                            .into(),
                    ),
                )
            };
            let (Some(language_key), Some(path_key)) = (&c.language, &c.path) else {
                return Err(missing(if c.language.is_none() {
                    "language"
                } else {
                    "path"
                }));
            };
            let language: Language =
                language_key.get_ref().parse().map_err(|message: String| {
                    at(
                        language_key.span(),
                        format!("component `{name}`: {message}"),
                        "unknown language",
                        None,
                    )
                })?;
            let path = root_dir.join(path_key.get_ref());
            let exists = if language == Language::Wasm {
                path.is_file()
            } else {
                path.is_dir()
            };
            if !exists {
                let what = if language == Language::Wasm {
                    "component file"
                } else {
                    "source folder"
                };
                return Err(at(
                    path_key.span(),
                    format!(
                        "component `{name}`: {what} `{}` does not exist",
                        path.display()
                    ),
                    "not found",
                    Some(format!(
                        "create it (`compose add {name} --lang {language}`) or fix `path`"
                    )),
                ));
            }
            components.push(ComponentDecl {
                name: name.clone(),
                language,
                path,
                registry: None,
                world: c.world.get_ref().clone(),
                world_span: c.world.span(),
            });
        }
        let compose = raw.compose.as_ref();
        let root = match compose.and_then(|c| c.root.as_ref()) {
            Some(r) => {
                if !components.iter().any(|c| c.name == *r.get_ref()) {
                    let known: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
                    return Err(at(
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

        let mut run = RunDefaults::default();
        if let Some(r) = &raw.run {
            for d in &r.dirs {
                let grant = DirGrant::parse(d.get_ref()).map_err(|m| {
                    at(
                        d.span(),
                        format!("[run] dirs: {m}"),
                        "bad directory grant",
                        None,
                    )
                })?;
                let grant = DirGrant {
                    host: root_dir.join(&grant.host),
                    ..grant
                };
                run.dirs.push(grant);
            }
            run.env = r.env.iter().map(|e| e.get_ref().clone()).collect();
            for rule in &r.allow_net {
                let parsed = NetRule::parse(rule.get_ref()).map_err(|m| {
                    at(
                        rule.span(),
                        format!("[run] allow-net: {m}"),
                        "bad address rule",
                        None,
                    )
                })?;
                run.network.push(parsed);
            }
            run.name_lookup = r.allow_name_lookup;
            let size =
                |field: &Option<Spanned<String>>, key: &str| -> Result<Option<u64>, ProjectError> {
                    field
                        .as_ref()
                        .map(|v| {
                            parse_size(v.get_ref()).map_err(|m| {
                                at(v.span(), format!("[run] {key}: {m}"), "bad size", None)
                            })
                        })
                        .transpose()
                };
            run.limits.max_memory = size(&r.max_memory, "max-memory")?;
            run.limits.max_stack = size(&r.max_stack, "max-stack")?.map(|s| s as usize);
            run.limits.fuel = r.fuel;
            run.limits.timeout = r
                .timeout
                .as_ref()
                .map(|v| {
                    parse_duration(v.get_ref()).map_err(|m| {
                        at(
                            v.span(),
                            format!("[run] timeout: {m}"),
                            "bad duration",
                            None,
                        )
                    })
                })
                .transpose()?;
        }

        Ok(Self {
            path: path.to_path_buf(),
            name: raw.project.name.get_ref().clone(),
            wit_dir,
            components,
            root,
            wire: compose.map(|c| c.wire.clone()).unwrap_or_default(),
            host_imports: compose.map(|c| c.host_imports.clone()).unwrap_or_default(),
            run,
            root_dir,
            source,
            name_span: raw.project.name.span(),
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
        located(&self.path, &self.source, span, message, label, help)
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

    /// The component declared as `name`.
    pub fn component(&self, name: &str) -> Option<&ComponentDecl> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The project's WIT. WASI packages it names and does not carry are added to its
    /// `deps/` from the runtime's own (the version compose runs).
    pub fn load_wit(&self) -> Result<compose_wit::ProjectWit, ProjectError> {
        Ok(compose_wit::ProjectWit::load_with_host(
            &self.wit_dir,
            compose_runtime::WASI_WIT,
        )?)
    }

    /// Where compose writes its outputs: `<project>/target/compose`.
    pub fn out_dir(&self) -> PathBuf {
        self.root_dir.join("target").join("compose")
    }
}

fn located(
    path: &Path,
    source: &str,
    span: Range<usize>,
    message: String,
    label: &str,
    help: Option<String>,
) -> ProjectError {
    let line = source[..span.start.min(source.len())].matches('\n').count() + 1;
    ProjectError::Manifest(Box::new(ManifestDiagnostic {
        message: format!("{}:{line}: {message}", path.display()),
        src: NamedSource::new(path.display().to_string(), source.to_string()),
        span: SourceSpan::from(span),
        label: label.to_string(),
        help,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(toml: &str) -> (tempfile::TempDir, Result<Manifest, ProjectError>) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("wit")).unwrap();
        std::fs::create_dir_all(tmp.path().join("app")).unwrap();
        let path = tmp.path().join(FILE_NAME);
        std::fs::write(&path, toml).unwrap();
        let m = Manifest::load(&path);
        (tmp, m)
    }

    const GOOD: &str = "[project]\nname = \"p\"\n\n[components.app]\nlanguage = \"rust\"\npath = \"app\"\nworld = \"app\"\n";

    #[test]
    fn good_manifest_loads_with_defaults() {
        let (_t, m) = project(GOOD);
        let m = m.unwrap();
        assert_eq!(m.name, "p");
        assert_eq!(m.root().unwrap(), "app");
        assert_eq!(m.components[0].language, Language::Rust);
        assert!(m.wit_dir.ends_with("wit"));
    }

    fn err(toml: &str) -> String {
        let (_t, m) = project(toml);
        m.unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_names_the_line() {
        let e = err(&format!("{GOOD}colour = \"blue\"\n"));
        assert!(
            e.contains("compose.toml:8:") && e.contains("unknown field `colour`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_language_names_the_line() {
        let e = err(&GOOD.replace("\"rust\"", "\"cobol\""));
        assert!(
            e.contains("compose.toml:5:") && e.contains("unknown language `cobol`"),
            "{e}"
        );
    }

    #[test]
    fn missing_path_names_the_line() {
        let e = err(&GOOD.replace("path = \"app\"", "path = \"nope\""));
        assert!(
            e.contains("compose.toml:6:") && e.contains("does not exist"),
            "{e}"
        );
    }

    #[test]
    fn root_must_be_a_component() {
        let e = err(&format!("{GOOD}\n[compose]\nroot = \"ghost\"\n"));
        assert!(e.contains("root `ghost` is not a component"), "{e}");
    }

    #[test]
    fn a_project_without_components_loads_but_has_no_root() {
        let (_t, m) = project("[project]\nname = \"p\"\n");
        let e = m.unwrap().root().unwrap_err().to_string();
        assert!(
            e.contains("compose.toml:2: compose.toml declares no component"),
            "{e}"
        );
    }

    #[test]
    fn several_components_need_a_root() {
        let second = GOOD
            .replace("[project]\nname = \"p\"\n", "")
            .replace("components.app", "components.other");
        let (_t, m) = project(&format!("{GOOD}{second}"));
        let e = m.unwrap().root().unwrap_err().to_string();
        assert!(
            e.contains("several components and no `[compose] root`"),
            "{e}"
        );
    }

    #[test]
    fn registry_components_need_no_folder_but_a_valid_package() {
        let (_t, m) = project(&format!(
            "{GOOD}\n[components.codec]\nregistry = \"demo:rle@0.1\"\nworld = \"codec\"\n\n[compose]\nroot = \"app\"\n"
        ));
        let m = m.unwrap();
        let codec = m.component("codec").unwrap();
        assert_eq!(codec.registry.as_deref(), Some("demo:rle@0.1"));
        assert_eq!(codec.language, Language::Wasm);

        let e = err(&format!(
            "{GOOD}\n[components.codec]\nregistry = \"demo:rle@0.1\"\npath = \"app\"\nworld = \"codec\"\n"
        ));
        assert!(e.contains("has both `path` and `registry`"), "{e}");
        let e = err(&format!(
            "{GOOD}\n[components.codec]\nregistry = \"demo:rle@0.1\"\nlanguage = \"go\"\nworld = \"codec\"\n"
        ));
        assert!(
            e.contains("comes from a registry, so it is already built"),
            "{e}"
        );
        let e = err(&format!(
            "{GOOD}\n[components.codec]\nregistry = \"rle\"\nworld = \"codec\"\n"
        ));
        assert!(
            e.contains("compose.toml:10:") && e.contains("`rle` is not a valid reference"),
            "{e}"
        );
        let e = err(&format!("{GOOD}\n[components.codec]\nworld = \"codec\"\n"));
        assert!(e.contains("component `codec` has no `language`"), "{e}");
    }

    #[test]
    fn run_table_takes_grants_and_limits() {
        let (_t, m) = project(&format!(
            "{GOOD}\n[run]\nallow-net = [\"127.0.0.1:8080\"]\nallow-name-lookup = true\nmax-memory = \"64MiB\"\ntimeout = \"2s\"\nfuel = 5\n"
        ));
        let m = m.unwrap();
        assert_eq!(
            m.run.network,
            vec![NetRule::parse("127.0.0.1:8080").unwrap()]
        );
        assert!(m.run.name_lookup);
        assert_eq!(m.run.limits.max_memory, Some(64 << 20));
        assert_eq!(
            m.run.limits.timeout,
            Some(std::time::Duration::from_secs(2))
        );
        assert_eq!(m.run.limits.fuel, Some(5));
        let e = err(&format!("{GOOD}\n[run]\ntimeout = \"soon\"\n"));
        assert!(
            e.contains("compose.toml:10:") && e.contains("[run] timeout"),
            "{e}"
        );
    }

    #[test]
    fn broken_toml_is_an_error_not_a_panic() {
        let e = err("[project\nname=");
        assert!(e.contains("invalid compose.toml"), "{e}");
    }
}
