//! Rust: `cargo build --target wasm32-wasip2` produces a component directly; the crate uses
//! `wit_bindgen::generate!` on the project's WIT itself.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::Command;

use cargo_metadata::Message;

use crate::process::run;
use crate::{BuildInput, Built, ToolchainError, Tools};

/// The target every Rust component is built for.
pub const TARGET: &str = "wasm32-wasip2";

pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    let cargo = tools.cargo().ok_or_else(|| missing(input.name))?;
    let manifest = input.source_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(ToolchainError::CompileFailed {
            component: input.name.to_string(),
            tool: "cargo".into(),
            dir: input.source_dir.display().to_string(),
            output: format!("no Cargo.toml in `{}`", input.source_dir.display()),
        });
    }
    let mut cmd = Command::new(cargo);
    cmd.current_dir(input.source_dir)
        .args(["build", "--release", "--target", TARGET])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(&manifest);
    let output = run(cmd, input.name, "cargo build", input.source_dir).map_err(|e| match e {
        ToolchainError::CompileFailed { ref output, .. } if output.contains("target may not be installed") => {
            ToolchainError::Missing {
                component: input.name.to_string(),
                tool: format!("the Rust target `{TARGET}`"),
                detail: format!(" for the toolchain that builds `{}`", input.source_dir.display()),
                fix: format!("run `rustup target add {TARGET}` in that folder (or `compose doctor --install` there)"),
            }
        }
        other => other,
    })?;
    let artifact = wasm_artifact(&output.stdout).ok_or_else(|| ToolchainError::CompileFailed {
        component: input.name.to_string(),
        tool: "cargo build".into(),
        dir: input.source_dir.display().to_string(),
        output: "cargo built no `.wasm` (the crate needs a `[[bin]]` or a `cdylib` library)".into(),
    })?;
    let bytes = std::fs::read(&artifact).map_err(|e| ToolchainError::Io {
        what: format!("read `{}`", artifact.display()),
        source: e,
    })?;
    Ok(Built::Component(bytes))
}

/// The last `.wasm` file cargo reported building (the crate's own artifact comes last).
fn wasm_artifact(stdout: &[u8]) -> Option<PathBuf> {
    let mut found = None;
    for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
        if let Message::CompilerArtifact(artifact) = message {
            if let Some(wasm) = artifact
                .filenames
                .iter()
                .find(|f| f.extension() == Some("wasm"))
            {
                found = Some(wasm.clone().into_std_path_buf());
            }
        }
    }
    found
}

fn missing(component: &str) -> ToolchainError {
    ToolchainError::Missing {
        component: component.to_string(),
        tool: "cargo".into(),
        detail: String::new(),
        fix: "install Rust with rustup (https://rustup.rs), then run `compose doctor --install` for the wasm targets".into(),
    }
}
