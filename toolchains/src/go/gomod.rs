//! The component's own `go.mod` and what `go list` says the build read. compose writes the
//! module file the bindings need; the `require` and `replace` directives of the component's
//! own go.mod are carried into it (relative replacement paths made absolute, since the build
//! runs in a staging folder), and the packages outside the staging folder that the build
//! used (a `replace`d local module) become inputs of the component.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ToolchainError;

/// The `require` and `replace` directives of `<src>/go.mod` (none if it has no go.mod),
/// except requirements of `skip` (the support module compose provides).
pub fn user_directives(src: &Path, skip: &str) -> Result<String, ToolchainError> {
    let path = src.join("go.mod");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(String::new());
    };
    let mut out = String::new();
    let mut block: Option<&str> = None;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(kind) = block {
            if line == ")" {
                block = None;
            } else {
                out.push_str(&directive(kind, line, src, skip));
            }
            continue;
        }
        for kind in ["require", "replace"] {
            if let Some(rest) = line.strip_prefix(kind) {
                let rest = rest.trim();
                if rest == "(" {
                    block = Some(kind);
                } else if !rest.is_empty() {
                    out.push_str(&directive(kind, rest, src, skip));
                }
            }
        }
    }
    Ok(out)
}

/// One directive line, rewritten for the staging folder.
fn directive(kind: &str, body: &str, src: &Path, skip: &str) -> String {
    if body.split_whitespace().next() == Some(skip) {
        return String::new();
    }
    if kind == "replace" {
        if let Some((from, to)) = body.split_once("=>") {
            let to = to.trim();
            let local = to.starts_with("./") || to.starts_with("../") || to.starts_with('/');
            if local {
                let target = src.join(to);
                let target = std::fs::canonicalize(&target).unwrap_or(target);
                return format!("replace {} => {}\n", from.trim(), target.display());
            }
        }
    }
    format!("{kind} {body}\n")
}

/// The Go files (and their modules' go.mod) of every package the build in `stage` used that
/// lies outside it and outside `skip`.
pub fn inputs(mut list: Command, stage: &Path, skip: &[PathBuf]) -> Vec<PathBuf> {
    let Ok(output) = list
        .args([
            "list",
            "-deps",
            "-f",
            "{{if not .Standard}}{{.Dir}}{{end}}",
            ".",
        ])
        .output()
    else {
        return Vec::new();
    };
    let mut skip = skip.to_vec();
    skip.push(stage.to_path_buf());
    let mut files = Vec::new();
    for dir in String::from_utf8_lossy(&output.stdout).lines() {
        let dir = Path::new(dir.trim());
        if dir.as_os_str().is_empty() || skip.iter().any(|s| dir.starts_with(s)) {
            continue;
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "go")),
            );
        }
        if let Some(module) = dir
            .ancestors()
            .map(|d| d.join("go.mod"))
            .find(|m| m.is_file())
        {
            files.push(module);
        }
    }
    crate::watched(files, &skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_directives_are_carried_with_absolute_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("greeter");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::create_dir_all(tmp.path().join("shared")).unwrap();
        std::fs::write(
            src.join("go.mod"),
            "module wit_component\n\ngo 1.25\n\nrequire (\n\tgo.bytecodealliance.org/pkg v0.4.0\n\texample.com/shared v0.0.0\n)\n\nreplace example.com/shared => ../shared // local\n",
        )
        .unwrap();
        let out = user_directives(&src, "go.bytecodealliance.org/pkg").unwrap();
        let shared = std::fs::canonicalize(tmp.path().join("shared")).unwrap();
        assert_eq!(
            out,
            format!(
                "require example.com/shared v0.0.0\nreplace example.com/shared => {}\n",
                shared.display()
            )
        );
    }
}
