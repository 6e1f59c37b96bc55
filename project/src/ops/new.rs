//! `compose new NAME --lang LANG [--template command|http|http-p3]`: a project whose `compose build &&
//! compose run` (or `compose serve`) works at once: a greeter library and a command (or an HTTP
//! handler) that calls it, from `templates/`.

use std::path::{Path, PathBuf};

use compose_toolchains::Language;

use crate::fsutil::write_atomic;
use crate::ProjectError;

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// What a new project is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Template {
    /// A command calling a greeter library (`compose run`).
    #[default]
    Command,
    /// An HTTP handler (`wasi:http/incoming-handler`) calling a greeter library
    /// (`compose serve`).
    Http,
    /// A WASI 0.3 HTTP handler (`wasi:http/handler`, an async function) calling a greeter
    /// library in the chosen language; the handler is in that language too where its
    /// generator writes WASI 0.3's async exports (Rust, Python), else in Rust.
    HttpP3,
}

impl std::str::FromStr for Template {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "command" => Ok(Self::Command),
            "http" => Ok(Self::Http),
            "http-p3" => Ok(Self::HttpP3),
            _ => Err(format!(
                "`{s}` is not a template: `command` (a program calling a library), `http` (an HTTP handler calling a library) or `http-p3` (a WASI 0.3 HTTP handler calling a library)"
            )),
        }
    }
}

/// The folders of `templates/` a project is made of, in order (a later file replaces an
/// earlier one of the same path), each with the part of it taken (`""`: all).
fn layers(template: Template, lang: &str) -> Vec<(String, &'static str)> {
    match template {
        Template::Command => vec![("common/".into(), ""), (format!("{lang}/"), "")],
        // The HTTP handler replaces the command; the library is the command template's.
        Template::Http => vec![
            ("common/".into(), ""),
            (format!("{lang}/"), "greeter/"),
            ("http/common/".into(), ""),
            (format!("http/{lang}/"), ""),
        ],
        Template::HttpP3 => vec![
            ("common/".into(), ""),
            (format!("{lang}/"), "greeter/"),
            ("http-p3/common/".into(), ""),
            (format!("http-p3/{}/", p3_handler_language(lang)), ""),
        ],
    }
}

/// The language of a WASI 0.3 handler for a project in `lang`: its own where the generator
/// writes async exports; Rust where it does not (wit-bindgen-go's async needs a runtime hook
/// Go lacks; wit-bindgen-c's callback ABI leaves the event loop to the program).
fn p3_handler_language(lang: &str) -> &str {
    match lang {
        "rust" | "python" => lang,
        _ => "rust",
    }
}

/// Creates project `name` in `parent/name` for `language` from `template`. Refuses to touch
/// a folder that exists and is not empty. Returns the project's folder.
pub fn new_project(
    parent: &Path,
    name: &str,
    language: Language,
    template: Template,
) -> Result<PathBuf, ProjectError> {
    check_name(name)?;
    let lang_dir = match language {
        Language::Rust => "rust",
        Language::Go => "go",
        Language::C => "c",
        Language::Python => "python",
        Language::Wasm => {
            return Err(ProjectError::New {
                message: "there is no template for prebuilt components".into(),
                help: "choose --lang rust, go, c or python; add prebuilt components to compose.toml by hand".into(),
            })
        }
    };
    let dir = parent.join(name);
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(ProjectError::New {
            message: format!("`{}` already exists and is not empty", dir.display()),
            help: "choose another name, or remove the folder first".into(),
        });
    }
    // Fill a temporary folder beside the target, then rename: no half-made project is left.
    std::fs::create_dir_all(parent)
        .map_err(|e| ProjectError::io(format!("create `{}`", parent.display()), e))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}-"))
        .tempdir_in(parent)
        .map_err(|e| ProjectError::io(format!("create a folder in `{}`", parent.display()), e))?;
    let snake = name.replace('-', "_");
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{snake}}", &snake)
            .replace("{{lang}}", lang_dir)
            .replace("{{handler}}", p3_handler_language(lang_dir))
    };
    for (prefix, part) in layers(template, lang_dir) {
        for (path, contents) in TEMPLATE_FILES {
            let Some(rel) = path.strip_prefix(prefix.as_str()) else {
                continue;
            };
            if !rel.starts_with(part) {
                continue;
            }
            write_atomic(&staging.path().join(fill(rel)), fill(contents).as_bytes())?;
        }
    }
    let staged = staging.keep();
    if dir.exists() {
        // An empty folder was there: replace it.
        let _ = std::fs::remove_dir(&dir);
    }
    std::fs::rename(&staged, &dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        ProjectError::io(format!("create `{}`", dir.display()), e)
    })?;
    Ok(dir)
}

/// A project name becomes the WIT package `local:NAME`: lowercase words joined by `-`.
fn check_name(name: &str) -> Result<(), ProjectError> {
    compose_wit::names::check_kebab(name).map_err(|help| ProjectError::New {
        message: format!(
            "`{name}` cannot name a project: it becomes the WIT package `local:{name}` and its folder"
        ),
        help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_kebab_case() {
        assert!(check_name("hello-world2").is_ok());
        for bad in ["Hello", "hello_world", "2cool", "", "a--b", "-a"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let e = check_name("Hello_World").unwrap_err();
        assert!(format!("{e:?}").contains("hello-world"), "{e:?}");
    }

    #[test]
    fn every_language_has_a_template() {
        for lang in ["rust", "go", "c", "python"] {
            assert!(
                TEMPLATE_FILES
                    .iter()
                    .any(|(p, _)| *p == format!("{lang}/compose.toml")),
                "{lang}"
            );
        }
    }

    #[test]
    fn every_language_has_an_http_handler() {
        for lang in ["rust", "go", "c", "python"] {
            let tmp = tempfile::tempdir().unwrap();
            let dir =
                new_project(tmp.path(), "web", lang.parse().unwrap(), Template::Http).unwrap();
            let manifest = std::fs::read_to_string(dir.join("compose.toml")).unwrap();
            assert!(
                manifest.contains("world = \"handler\""),
                "{lang}: {manifest}"
            );
            let wit = std::fs::read_to_string(dir.join("wit/world.wit")).unwrap();
            assert!(
                wit.contains("export wasi:http/incoming-handler@0.2.12"),
                "{lang}"
            );
            // The command's own program is not part of an HTTP project.
            let files = compose_fs::source_files(&dir).unwrap();
            assert!(
                !files.iter().any(|f| f.ends_with("main.rs")
                    || f.ends_with("main.go")
                    || f.ends_with("main.c")),
                "{lang}: {files:?}"
            );
            assert!(
                files.iter().any(|f| f.starts_with("greeter")),
                "{lang}: {files:?}"
            );
        }
    }

    #[test]
    fn the_wasi_0_3_handler_calls_a_library_in_any_language() {
        for lang in ["rust", "go", "c", "python"] {
            let tmp = tempfile::tempdir().unwrap();
            let dir =
                new_project(tmp.path(), "web", lang.parse().unwrap(), Template::HttpP3).unwrap();
            let manifest = std::fs::read_to_string(dir.join("compose.toml")).unwrap();
            assert!(
                manifest.contains(&format!("language = \"{lang}\"\npath = \"greeter\"")),
                "{lang}: {manifest}"
            );
            let handler = if lang == "python" {
                "app/app.py"
            } else {
                "app/src/lib.rs"
            };
            assert!(dir.join(handler).is_file(), "{lang}");
            let wit = std::fs::read_to_string(dir.join("wit/world.wit")).unwrap();
            assert!(wit.contains("include wasi:http/service@0.3.0"), "{lang}");
            let files = compose_fs::source_files(&dir).unwrap();
            assert!(
                files.iter().any(|f| f.starts_with("greeter")),
                "{lang}: {files:?}"
            );
        }
    }

    #[test]
    fn an_existing_folder_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("demo")).unwrap();
        std::fs::write(tmp.path().join("demo/keep.txt"), "mine").unwrap();
        assert!(new_project(tmp.path(), "demo", Language::Rust, Template::Command).is_err());
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("demo/keep.txt")).unwrap(),
            "mine"
        );
        let dir = new_project(tmp.path(), "fresh", Language::Go, Template::Command).unwrap();
        assert!(dir
            .join("greeter/export_local_fresh_greeter/greeter.go")
            .is_file());
        assert!(std::fs::read_to_string(dir.join("wit/world.wit"))
            .unwrap()
            .contains("package local:fresh;"));
    }
}
