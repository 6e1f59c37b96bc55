//! One `[components.NAME]` table: its name, where it comes from, its world and options.

use std::path::Path;

use compose_toolchains::{BindingOptions, Language, StringEncoding};
use toml::Spanned;

use super::raw::RawComponent;
use super::{ComponentDecl, ComponentSource, Locator};
use crate::ProjectError;

pub(super) fn parse(
    at: &Locator<'_>,
    root_dir: &Path,
    name: &Spanned<String>,
    spanned: &Spanned<RawComponent>,
    run: &super::RunDefaults,
) -> Result<ComponentDecl, ProjectError> {
    let c = spanned.get_ref();
    compose_wit::names::check_kebab(name.get_ref()).map_err(|help| {
        at.error(
            name.span(),
            format!("`{}` cannot name a component", name.get_ref()),
            "not a kebab-case name",
            Some(format!(
                "{help} (the name becomes a folder and a file name in target/compose)"
            )),
        )
    })?;
    let name = name.get_ref().clone();
    let source = if let Some(registry) = &c.registry {
        if let Some(path) = &c.path {
            return Err(at.error(
                path.span(),
                format!("component `{name}` has both `path` and `registry`"),
                "one or the other",
                Some("a component is built from a folder, or pulled from a registry".into()),
            ));
        }
        if let Some(l) = c.language.as_ref().filter(|l| l.get_ref() != "wasm") {
            return Err(at.error(
                l.span(),
                format!("component `{name}` comes from a registry, so it is already built"),
                "not for a registry component",
                Some("remove `language` (or write \"wasm\")".into()),
            ));
        }
        compose_registry::PackageSpec::parse(registry.get_ref()).map_err(|e| {
            at.error(
                registry.span(),
                format!("component `{name}`: {e}"),
                "here",
                None,
            )
        })?;
        ComponentSource::Registry {
            package: registry.get_ref().clone(),
        }
    } else {
        local(at, root_dir, &name, spanned)?
    };
    let language = match &source {
        ComponentSource::Local { language, .. } => *language,
        _ => Language::Wasm,
    };
    let bindings = match &c.bindings {
        Some(table) => bindings(at, &name, language, table)?,
        None => BindingOptions::default(),
    };
    let include = include(at, root_dir, &name, language, &c.include)?;
    let preinit = preinit(at, &name, language, c.preinit.as_ref())?;
    let max_size = c
        .max_size
        .as_ref()
        .map(|v| super::budget(at, v))
        .transpose()?;
    let grants = match &c.grants {
        Some(g) => super::grants::parse(at, &name, g, run)?,
        None => Default::default(),
    };
    Ok(ComponentDecl {
        name,
        source,
        world: c.world.get_ref().clone(),
        world_span: c.world.span(),
        bindings,
        include,
        preinit,
        max_size,
        grants,
    })
}

/// `preinit = true`: for the languages whose start-up compose can snapshot.
fn preinit(
    at: &Locator<'_>,
    name: &str,
    language: Language,
    value: Option<&Spanned<bool>>,
) -> Result<bool, ProjectError> {
    let Some(value) = value.filter(|v| *v.get_ref()) else {
        return Ok(false);
    };
    let why = match language {
        Language::Rust | Language::Go | Language::C => return Ok(true),
        Language::Python => "componentize-py already pre-initializes a Python component (its interpreter and your modules are loaded at build time)",
        Language::Wasm => "compose pre-initializes the components it builds; a prebuilt or published one is used as it is",
    };
    Err(at.error(
        value.span(),
        format!("component `{name}` cannot be pre-initialized by compose"),
        "not for this component",
        Some(format!("{why}: remove `preinit`")),
    ))
}

/// A component built from a folder, or a prebuilt file (`language = "wasm"`).
fn local(
    at: &Locator<'_>,
    root_dir: &Path,
    name: &str,
    spanned: &Spanned<RawComponent>,
) -> Result<ComponentSource, ProjectError> {
    let c = spanned.get_ref();
    let missing = |key: &str| {
        at.error(
            spanned.span(),
            format!("component `{name}` has no `{key}`"),
            "in this table",
            Some(
                "a component has `language`, `path` and `world`; or `registry` and `world`".into(),
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
    let language: Language = language_key.get_ref().parse().map_err(|message: String| {
        at.error(
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
        return Err(at.error(
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
    Ok(match language {
        Language::Wasm => ComponentSource::Prebuilt { file: path },
        language => ComponentSource::Local {
            language,
            dir: path,
        },
    })
}

/// `include = [...]`: folders (relative to the project) that a C or Python component's
/// sources use.
fn include(
    at: &Locator<'_>,
    root_dir: &Path,
    name: &str,
    language: Language,
    dirs: &[Spanned<String>],
) -> Result<Vec<std::path::PathBuf>, ProjectError> {
    let mut out = Vec::new();
    for dir in dirs {
        if !matches!(language, Language::C | Language::Python) {
            return Err(at.error(
                dir.span(),
                format!("component `{name}`: `include` is for C and Python components"),
                "not for this language",
                Some("a Rust component names its other crates as path dependencies in Cargo.toml, a Go component its other modules with `replace` in go.mod; compose follows both".into()),
            ));
        }
        let path = root_dir.join(dir.get_ref());
        if !path.is_dir() {
            return Err(at.error(
                dir.span(),
                format!(
                    "component `{name}`: include folder `{}` does not exist",
                    path.display()
                ),
                "not found",
                Some("`include` names folders, relative to compose.toml".into()),
            ));
        }
        out.push(path);
    }
    Ok(out)
}

/// `bindings = { ... }`: options for the language's generator.
fn bindings(
    at: &Locator<'_>,
    name: &str,
    language: Language,
    table: &Spanned<toml::Table>,
) -> Result<BindingOptions, ProjectError> {
    let keys = BindingOptions::keys(language);
    let mut options = BindingOptions::default();
    for (key, value) in table.get_ref() {
        let refuse = |message: String, help: String| {
            at.error(table.span(), message, "in these options", Some(help))
        };
        if !keys.contains(&key.as_str()) {
            return Err(refuse(
                format!("component `{name}`: `{key}` is not a {language} bindings option"),
                if keys.is_empty() {
                    BindingOptions::none_because(language).to_string()
                } else {
                    format!("the {language} options are: {}", keys.join(", "))
                },
            ));
        }
        let flag = || {
            value.as_bool().ok_or_else(|| {
                refuse(
                    format!("component `{name}`: `{key}` is true or false"),
                    format!("write `{key} = true`"),
                )
            })
        };
        match key.as_str() {
            "string-encoding" => {
                options.string_encoding = value
                    .as_str()
                    .ok_or_else(|| "a string".to_string())
                    .and_then(StringEncoding::parse)
                    .map_err(|e| {
                        refuse(
                            format!("component `{name}`: `string-encoding`: {e}"),
                            "write `string-encoding = \"utf16\"` (or utf8, compact-utf16)".into(),
                        )
                    })?
            }
            "no-sig-flattening" => options.no_sig_flattening = flag()?,
            "autodrop-borrows" => options.autodrop_borrows = flag()?,
            _ => {}
        }
    }
    Ok(options)
}
