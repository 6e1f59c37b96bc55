use std::path::{Path, PathBuf};

/// Folders that are never sources, wherever they are: build outputs, virtual environments,
/// package caches.
const SKIPPED: &[&str] = &["target", "venv", "node_modules", "__pycache__"];

/// The source files under `dir`, as paths relative to it, sorted: every file, except hidden
/// ones, what `.gitignore` (and `.ignore`) files exclude, and the [`SKIPPED`] folders.
/// Symbolic links are followed, as the compilers follow them; a link that leads back into
/// a folder being walked is skipped, so loops end.
pub fn source_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(true)
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && e.file_name().to_str().is_some_and(|n| SKIPPED.contains(&n)))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.is_io() => match e.into_io_error() {
                Some(io) => return Err(io),
                None => continue,
            },
            // A symbolic-link loop, or a broken ignore file: nothing to read there.
            Err(_) => continue,
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(dir) {
            out.push(rel.to_path_buf());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(p: &Path) -> Vec<String> {
        source_files(p)
            .unwrap()
            .into_iter()
            .map(|p| p.display().to_string())
            .collect()
    }

    #[test]
    fn skips_outputs_environments_hidden_and_ignored_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        for f in [
            "main.go",
            "pkg/a.go",
            "target/out.wasm",
            "venv/lib/x.py",
            "node_modules/m/i.js",
            "__pycache__/app.pyc",
            ".git/HEAD",
            ".env",
            "gen/big.bin",
            "notes.log",
        ] {
            std::fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
            std::fs::write(p.join(f), "x").unwrap();
        }
        std::fs::write(p.join(".gitignore"), "gen/\n*.log\n").unwrap();
        assert_eq!(files(p), vec!["main.go", "pkg/a.go"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end_and_linked_files_count() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("src");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("a.c"), "x").unwrap();
        std::fs::write(tmp.path().join("shared.h"), "y").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("shared.h"), p.join("shared.h")).unwrap();
        std::os::unix::fs::symlink(".", p.join("self")).unwrap();
        std::os::unix::fs::symlink(&p, p.join("again")).unwrap();
        assert_eq!(files(&p), vec!["a.c", "shared.h"]);
    }
}
