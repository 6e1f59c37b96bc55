//! Python: `componentize-py` turns the component's folder (its module `app.py`) and the
//! project's WIT into a finished component, interpreter included.

use std::process::Command;

use crate::process::run;
use crate::{BuildInput, Built, ToolchainError, Tools};

/// The module every Python component provides.
pub const MODULE: &str = "app";

pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    let componentize = tools.componentize_py().ok_or_else(|| ToolchainError::Missing {
        component: input.name.to_string(),
        tool: "componentize-py".into(),
        detail: " on PATH or in compose's toolchain folder".into(),
        fix: "run `compose doctor --install` (installs componentize-py from PyPI into compose's own folder)".into(),
    })?;
    if !input.source_dir.join(format!("{MODULE}.py")).is_file() {
        return Err(ToolchainError::CompileFailed {
            component: input.name.to_string(),
            tool: "componentize-py".into(),
            dir: input.source_dir.display().to_string(),
            output: format!(
                "no `{MODULE}.py` in `{}`: a Python component's code starts in module `{MODULE}`",
                input.source_dir.display()
            ),
        });
    }
    let world = &input.wit.resolve.worlds[input.world];
    let world_name = match world.package {
        Some(p) => {
            let package = &input.wit.resolve.packages[p].name;
            let version = package
                .version
                .as_ref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            format!(
                "{}:{}/{}{version}",
                package.namespace, package.name, world.name
            )
        }
        None => world.name.clone(),
    };
    let out = input.work_dir.join("component.wasm");
    let mut cmd = Command::new(componentize);
    cmd.current_dir(input.source_dir)
        .arg("--quiet")
        .arg("-d")
        .arg(&input.wit.dir)
        .arg("-w")
        .arg(&world_name)
        .arg("componentize")
        .arg(MODULE)
        .arg("-p")
        .arg(input.source_dir)
        .arg("-o")
        .arg(&out)
        // Only the component's own folder: never the packages of whatever venv compose runs in.
        .env_remove("VIRTUAL_ENV");
    run(cmd, input.name, "componentize-py", input.source_dir)?;
    let bytes = std::fs::read(&out).map_err(|e| ToolchainError::Io {
        what: format!("read `{}`", out.display()),
        source: e,
    })?;
    Ok(Built::Component(bytes))
}
