//! Which files are a component's sources: everything under its folder except build outputs
//! (`target/`, Python's `__pycache__/`) and hidden entries. Builds copy exactly these, and compose hashes exactly
//! these to decide whether a component must be rebuilt.

use std::path::{Path, PathBuf};

/// The source files under `dir`, as paths relative to it, sorted.
pub fn source_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    collect(dir, Path::new(""), &mut out)?;
    out.sort();
    Ok(out)
}

fn collect(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        if name_str.starts_with('.') || name_str == "target" || name_str == "__pycache__" {
            continue;
        }
        let rel = rel.join(&name);
        // Follows symlinks, as the compilers do.
        if root.join(&rel).is_dir() {
            collect(root, &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_outputs_and_hidden_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path();
        std::fs::create_dir_all(p.join("pkg")).unwrap();
        std::fs::create_dir_all(p.join("target")).unwrap();
        std::fs::create_dir_all(p.join(".git")).unwrap();
        for f in [
            "main.go",
            "pkg/a.go",
            "target/out.wasm",
            ".git/HEAD",
            ".env",
        ] {
            std::fs::write(p.join(f), "x").unwrap();
        }
        let files = source_files(p).unwrap();
        assert_eq!(
            files,
            vec![PathBuf::from("main.go"), PathBuf::from("pkg/a.go")]
        );
    }
}
