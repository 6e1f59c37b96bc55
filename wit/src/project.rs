use std::path::{Path, PathBuf};

use wit_parser::{PackageId, Resolve, WorldId};

use crate::WitError;

/// The project's WIT: its main package, everything under `deps/`, and the files read.
#[derive(Debug, Clone)]
pub struct ProjectWit {
    /// All packages: the project's own and its dependencies.
    pub resolve: Resolve,
    /// The project's own package (the `.wit` files directly in [`ProjectWit::dir`]).
    pub package: PackageId,
    /// The folder that was loaded.
    pub dir: PathBuf,
    /// Every file that was parsed; a change to any of them changes the build.
    pub sources: Vec<PathBuf>,
}

/// How a first load of a WIT folder went.
enum FirstLoad {
    Loaded(Box<ProjectWit>),
    /// It names WASI packages it lacks: the error to report if adding them does not help.
    NeedsWasi(WitError),
}

impl ProjectWit {
    /// Loads the WIT package in `dir` and its `dir/deps`.
    pub fn load(dir: &Path) -> Result<Self, WitError> {
        if !dir.is_dir() {
            return Err(WitError::MissingDir {
                path: dir.to_path_buf(),
            });
        }
        // wit-parser recurses as deep as `use` chains go and panics on some inputs (fuzzing
        // found `package f:a;/**/world i{}`): it runs isolated.
        let pushed = crate::isolate::isolated("wit", || {
            let mut resolve = Resolve::default();
            match resolve.push_dir(dir) {
                Ok((package, source_map)) => Ok(Self::loaded(resolve, package, dir, &source_map)),
                // `render_error` adds file:line:column and a source snippet to each layer.
                Err(e) => Err(WitError::invalid(dir, resolve.render_error(&e))),
            }
        });
        pushed.unwrap_or_else(|why| {
            Err(WitError::invalid(
                dir,
                format!(
                    "wit-parser, which compose reads WIT with, gave up on the WIT in `{}` ({why}); the WIT is most likely malformed near an unusual construct (an empty doc comment, say)",
                    dir.display()
                ),
            ))
        })
    }

    fn loaded(
        resolve: Resolve,
        package: PackageId,
        dir: &Path,
        source_map: &wit_parser::PackageSourceMap,
    ) -> Self {
        let mut sources: Vec<PathBuf> = source_map.paths().map(Path::to_path_buf).collect();
        sources.sort();
        Self {
            resolve,
            package,
            dir: dir.to_path_buf(),
            sources,
        }
    }

    /// Loads the WIT package in `dir`; if it names WASI packages it does not carry in its
    /// `deps/`, writes the host's (`host`: file name, WIT text) there as
    /// `deps/wasi-<file>` and tries again, so that every tool reading the folder (the Rust
    /// `generate!` macro, componentize-py, an editor) sees the same complete WIT. Files that
    /// exist are never overwritten; when the WIT still does not resolve, the files written
    /// are removed and the first error is returned.
    pub fn load_with_host(dir: &Path, host: &[(&str, &str)]) -> Result<Self, WitError> {
        let first = match Self::load_or_wasi_gap(dir, host)? {
            FirstLoad::Loaded(wit) => return Ok(*wit),
            FirstLoad::NeedsWasi(first) => first,
        };
        let deps = dir.join("deps");
        let mut written = Vec::new();
        let mut vendor = || -> std::io::Result<()> {
            std::fs::create_dir_all(&deps)?;
            for (name, text) in host {
                let path = deps.join(format!("wasi-{name}"));
                if !path.exists() {
                    std::fs::write(&path, text)?;
                    written.push(path);
                }
            }
            Ok(())
        };
        let vendored = vendor();
        let loaded = match vendored {
            Ok(()) => Self::load(dir).ok(),
            Err(_) => None,
        };
        match loaded {
            Some(wit) => Ok(wit),
            None => {
                // A project that fails with the host's WASI too gets its own first error.
                for path in written {
                    let _ = std::fs::remove_file(path);
                }
                let _ = std::fs::remove_dir(&deps);
                Err(first)
            }
        }
    }

    /// Loads the WIT package in `dir` like [`ProjectWit::load_with_host`], but never writes:
    /// the host's WASI packages (`host`) are added in memory. For commands that only read
    /// WIT (`compose wit check|print|diff`).
    pub fn load_reading_only(dir: &Path, host: &[(&str, &str)]) -> Result<Self, WitError> {
        let first = match Self::load_or_wasi_gap(dir, host)? {
            FirstLoad::Loaded(wit) => return Ok(*wit),
            FirstLoad::NeedsWasi(first) => first,
        };
        let loaded = crate::isolate::isolated("wit", || {
            let mut resolve = Resolve::default();
            push_texts(&mut resolve, host).ok()?;
            let (package, source_map) = resolve.push_dir(dir).ok()?;
            Some(Self::loaded(resolve, package, dir, &source_map))
        });
        loaded.ok().flatten().ok_or(first)
    }

    /// Loads `dir` as it is; tells apart WIT that fails only for want of WASI packages the
    /// host has (the caller adds them) from any other failure (returned as is).
    fn load_or_wasi_gap(dir: &Path, host: &[(&str, &str)]) -> Result<FirstLoad, WitError> {
        let first = match Self::load(dir) {
            Ok(wit) => return Ok(FirstLoad::Loaded(Box::new(wit))),
            Err(e) => e,
        };
        let names_wasi =
            matches!(&first, WitError::Invalid(invalid) if invalid.message.contains("wasi:"));
        if !names_wasi || host.is_empty() {
            return Err(first);
        }
        Ok(FirstLoad::NeedsWasi(first))
    }

    /// The project package's name, e.g. `demo:greet@0.1.0`.
    pub fn package_name(&self) -> String {
        self.resolve.packages[self.package].name.to_string()
    }

    /// Names of the worlds defined in the project's own package, sorted.
    pub fn world_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.resolve.packages[self.package]
            .worlds
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Finds a world by its plain name in the project's package, or by a full
    /// `ns:pkg/world[@version]` name in any package.
    pub fn world(&self, name: &str) -> Result<WorldId, WitError> {
        if let Some(id) = self.resolve.packages[self.package].worlds.get(name) {
            return Ok(*id);
        }
        if name.contains(':') {
            if let Ok(id) = self.resolve.select_world(&[self.package], Some(name)) {
                return Ok(id);
            }
        }
        let known = self.world_names();
        let help = if known.is_empty() {
            format!(
                "package `{}` defines no world; add `world {name} {{ ... }}` to a `.wit` file in `{}`",
                self.package_name(),
                self.dir.display()
            )
        } else {
            format!(
                "the worlds defined there are: {}; fix `world = ...` in compose.toml or add the world to the WIT",
                known.join(", ")
            )
        };
        Err(WitError::UnknownWorld {
            world: name.to_string(),
            package: self.package_name(),
            help,
        })
    }
}

/// Pushes WIT packages given as text (name, text) into `resolve`, each once, after the
/// packages it uses (a failed push may leave part of a package behind, so the order is worked
/// out first). Packages `resolve` already has are skipped.
pub(crate) fn push_texts(resolve: &mut Resolve, texts: &[(&str, &str)]) -> Result<(), String> {
    let mut parsed = Vec::new();
    for (name, text) in texts {
        let group = wit_parser::UnresolvedPackageGroup::parse(name, text)
            .map_err(|(_, e)| format!("{name}: {e:?}"))?;
        let deps: Vec<String> = group
            .main
            .foreign_deps
            .keys()
            .map(|n| n.to_string())
            .collect();
        parsed.push((group.main.name.to_string(), deps, group));
    }
    let mut pushed: Vec<String> = resolve
        .packages
        .iter()
        .map(|(_, p)| p.name.to_string())
        .collect();
    parsed.retain(|(name, _, _)| !pushed.contains(name));
    while !parsed.is_empty() {
        let ready = parsed
            .iter()
            .position(|(_, deps, _)| deps.iter().all(|d| pushed.contains(d)))
            .ok_or_else(|| {
                "the packages use each other in a cycle, or use one not given".to_string()
            })?;
        let (name, _, group) = parsed.remove(ready);
        resolve
            .push_group(group)
            .map_err(|e| format!("{name}: {e}"))?;
        pushed.push(name);
    }
    Ok(())
}

/// The packages (`ns:name@version`) that the WIT in `dir` and its `deps/` refer to and do not
/// define: what must be fetched before it can resolve. Found without resolving anything; WIT
/// that does not parse gives none (loading it reports the error).
pub fn missing_packages(dir: &Path) -> Vec<String> {
    // Parsing runs isolated like resolving: WIT that makes the parser panic has no missing
    // packages to name, and loading it reports the error.
    crate::isolate::isolated("wit", || parsed_missing_packages(dir)).unwrap_or_default()
}

fn parsed_missing_packages(dir: &Path) -> Vec<String> {
    let mut groups = Vec::new();
    if let Ok(group) = wit_parser::UnresolvedPackageGroup::parse_dir(dir) {
        groups.push(group);
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("deps")) {
        for path in entries.flatten().map(|e| e.path()) {
            let group = if path.is_dir() {
                wit_parser::UnresolvedPackageGroup::parse_dir(&path).ok()
            } else if path.extension().is_some_and(|e| e == "wit") {
                std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|text| wit_parser::UnresolvedPackageGroup::parse(&path, &text).ok())
            } else {
                None
            };
            groups.extend(group);
        }
    }
    let packages = || {
        groups
            .iter()
            .flat_map(|g| std::iter::once(&g.main).chain(&g.nested))
    };
    let defined: std::collections::BTreeSet<String> =
        packages().map(|p| p.name.to_string()).collect();
    let mut missing: Vec<String> = packages()
        .flat_map(|p| p.foreign_deps.keys().map(|n| n.to_string()))
        .filter(|n| !defined.contains(n))
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// The text of the `.wit` files of a folder (not of its `deps/`): what it names, to choose
/// the host's WASI packages it needs. A file (`compose wit check FILE.wit`) is read alone.
pub fn own_text(dir: &Path) -> String {
    if dir.is_file() {
        return std::fs::read_to_string(dir).unwrap_or_default();
    }
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "wit"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) {
        std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
    }

    #[test]
    fn loads_package_and_finds_worlds() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "a.wit",
            "package demo:x@0.1.0;\ninterface i { f: func() -> u32; }\nworld lib { export i; }\nworld app { import i; }\n",
        );
        let wit = ProjectWit::load(tmp.path()).unwrap();
        assert_eq!(wit.package_name(), "demo:x@0.1.0");
        assert_eq!(wit.world_names(), vec!["app", "lib"]);
        assert!(wit.world("lib").is_ok());
        assert!(wit.world("demo:x/app@0.1.0").is_ok());
        let err = wit.world("nope").unwrap_err().to_string();
        assert!(err.contains("world `nope` is not defined"), "{err}");
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            "bad.wit",
            "package demo:x;\ninterface i {\n  f: func( -> u32;\n}\n",
        );
        let err = ProjectWit::load(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("bad.wit:3"), "{err}");
    }

    #[test]
    fn host_wasi_packages_are_vendored_when_the_project_names_them() {
        let tmp = tempfile::tempdir().unwrap();
        let wit = tmp.path().join("wit");
        write(
            &wit,
            "a.wit",
            "package demo:x;\nworld app { export wasi:cli/run@0.2.12; }\n",
        );
        let host = [(
            "cli.wit",
            "package wasi:cli@0.2.12;\ninterface run { run: func() -> result; }\n",
        )];
        assert!(ProjectWit::load(&wit).is_err());
        let loaded = ProjectWit::load_with_host(&wit, &host).unwrap();
        assert!(loaded.world("app").is_ok());
        assert!(wit.join("deps/wasi-cli.wit").is_file());
        // Now the folder stands on its own.
        assert!(ProjectWit::load(&wit).is_ok());

        // Errors that are not about WASI are the project's own, and nothing is left behind.
        let other = tmp.path().join("other");
        write(
            &other,
            "a.wit",
            "package demo:x;\nworld app { export wasi:cli/nope@0.2.12; }\n",
        );
        assert!(ProjectWit::load_with_host(&other, &host).is_err());
        assert!(!other.join("deps").exists());
    }

    #[test]
    fn missing_packages_are_found_without_resolving() {
        let tmp = tempfile::tempdir().unwrap();
        let wit = tmp.path();
        write(
            wit,
            "a.wit",
            "package demo:app;\nworld app { import demo:codec/rle@0.1.0; import acme:log/sink@1.0.0; }\n",
        );
        write(
            wit,
            "deps/acme-log.wit",
            "package acme:log@1.0.0;\ninterface sink { use acme:time/clock@2.0.0.{instant}; }\n",
        );
        assert_eq!(
            missing_packages(wit),
            vec![
                "acme:time@2.0.0".to_string(),
                "demo:codec@0.1.0".to_string()
            ]
        );
    }

    #[test]
    fn wit_that_makes_the_parser_panic_is_an_error_on_every_path() {
        // Found by fuzzing; wit-parser 0.258 panics on it.
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "a.wit", "package f:a;/**/world i{}");
        assert!(missing_packages(tmp.path()).is_empty());
        let err = ProjectWit::load(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("gave up"), "{err}");
    }

    #[test]
    fn missing_dir_is_an_error() {
        let err = ProjectWit::load(Path::new("/nonexistent/wit")).unwrap_err();
        assert!(matches!(err, WitError::MissingDir { .. }));
    }
}
