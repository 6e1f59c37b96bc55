//! `compose new NAME --lang LANG`: a project whose `compose build && compose run` works at
//! once: a greeter library and a command that calls it, from `templates/`.

use std::path::{Path, PathBuf};

use compose_toolchains::Language;

use crate::fsutil::write_atomic;
use crate::ProjectError;

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// Creates project `name` in `parent/name` for `language`. Refuses to touch a folder that
/// exists and is not empty. Returns the project's folder.
pub fn new_project(parent: &Path, name: &str, language: Language) -> Result<PathBuf, ProjectError> {
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
    let fill = |text: &str| text.replace("{{name}}", name).replace("{{snake}}", &snake);
    for (path, contents) in TEMPLATE_FILES {
        let rel = if let Some(rest) = path.strip_prefix("common/") {
            rest
        } else if let Some(rest) = path.strip_prefix(&format!("{lang_dir}/")) {
            rest
        } else {
            continue;
        };
        write_atomic(&staging.path().join(fill(rel)), fill(contents).as_bytes())?;
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
    fn an_existing_folder_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("demo")).unwrap();
        std::fs::write(tmp.path().join("demo/keep.txt"), "mine").unwrap();
        assert!(new_project(tmp.path(), "demo", Language::Rust).is_err());
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("demo/keep.txt")).unwrap(),
            "mine"
        );
        let dir = new_project(tmp.path(), "fresh", Language::Go).unwrap();
        assert!(dir
            .join("greeter/export_local_fresh_greeter/greeter.go")
            .is_file());
        assert!(std::fs::read_to_string(dir.join("wit/world.wit"))
            .unwrap()
            .contains("package local:fresh;"));
    }
}
