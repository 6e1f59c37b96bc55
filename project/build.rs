//! Embeds the starter projects of `templates/` in the binary, for `compose new`.

use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("templates");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    compose_build_support::write_embedded(
        "templates.rs",
        "TEMPLATE_FILES",
        "The template files: (path under templates/, contents).",
        &root,
        &files,
    );
    println!("cargo:rerun-if-changed={}", root.display());
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read templates") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .is_some_and(|n| n == "target" || n == "README.md" && dir == root)
        {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}
