//! Rust: `cargo build --target wasm32-wasip2` produces a component directly; the crate uses
//! `wit_bindgen::generate!` on the project's WIT itself. What it read comes from cargo's
//! dep-info file beside the artifact.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::Message;

use crate::process::run;
use crate::{BuildInput, Built, Output, Profile, ToolchainError, Tools};

/// The target every Rust component is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// compose's own part of a Rust build, for [`crate::fingerprint`].
pub fn recipe(profile: Profile) -> String {
    format!(
        "cargo build --target {TARGET} {}",
        cargo_profile_flag(profile)
    )
}

fn cargo_profile_flag(profile: Profile) -> &'static str {
    match profile {
        Profile::Dev => "",
        Profile::Release => "--release",
    }
}

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
        .args(["build", "--target", TARGET])
        .args([
            "--message-format",
            "json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(&manifest);
    if input.profile == Profile::Release {
        cmd.arg("--release");
    }
    // cargo takes its build jobs from compose's tokens, so parallel builds share the cores.
    if let Some(jobs) = input.jobs {
        jobs.configure_make(&mut cmd);
    }
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
    Ok(Built {
        output: Output::Component(bytes),
        inputs: inputs(&artifact),
        bindings: None,
    })
}

/// What cargo says the artifact was built from (its dep-info file), with the manifest of
/// each package those sources belong to; crates from registries and the toolchain's own
/// files left out.
fn inputs(artifact: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(artifact.with_extension("d")) else {
        return Vec::new();
    };
    let sources = crate::depfile::parse(&text);
    let mut manifests = Vec::new();
    for source in &sources {
        let mut dir = source.parent();
        while let Some(d) = dir {
            let manifest = d.join("Cargo.toml");
            if manifest.is_file() {
                manifests.push(manifest);
                break;
            }
            dir = d.parent();
        }
    }
    let mut skip: Vec<PathBuf> = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    skip.extend(
        std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".cargo"))),
    );
    skip.extend(
        std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".rustup"))),
    );
    // The target folder (build scripts' outputs are regenerated, not inputs).
    if let Some(target) = artifact.ancestors().nth(3) {
        skip.push(target.to_path_buf());
    }
    crate::watched(sources.into_iter().chain(manifests), &skip)
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
