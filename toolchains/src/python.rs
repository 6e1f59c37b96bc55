//! Python: `componentize-py` turns the component's folder (its module `app.py`) and the
//! project's WIT into a finished component, interpreter included. Modules are found in the
//! component's folder, the folders its `include` names, and the packages installed beside
//! componentize-py; which files the app really imports is asked of Python itself
//! (`modulefinder`), and those outside the toolchain are inputs of the component.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::run;
use crate::{BuildInput, Built, Output, ToolchainError, Tools};

/// The module every Python component provides.
pub const MODULE: &str = "app";

/// compose's own part of a Python build, for [`crate::fingerprint`]. Python has no
/// assertions to compile out (componentize-py does not run Python with `-O`), so both
/// profiles build the same.
pub fn recipe() -> String {
    format!("componentize-py componentize {MODULE} -p <folder> -p <include>...")
}

pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    let componentize = tools.componentize_py().ok_or_else(|| ToolchainError::Missing {
        component: input.name.to_string(),
        tool: "componentize-py".into(),
        detail: " on PATH or in compose's toolchain folder".into(),
        fix: "run `compose doctor --install` (installs componentize-py from PyPI into compose's own folder)".into(),
    })?;
    let main = input.source_dir.join(format!("{MODULE}.py"));
    if !main.is_file() {
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
    let mut cmd = Command::new(&componentize);
    cmd.current_dir(input.source_dir)
        .arg("--quiet")
        .arg("-d")
        .arg(&input.wit.dir)
        .arg("-w")
        .arg(&world_name)
        .arg("componentize")
        .arg(MODULE)
        .arg("-p")
        .arg(input.source_dir);
    for dir in input.include {
        cmd.arg("-p").arg(dir);
    }
    cmd.arg("-o")
        .arg(&out)
        // Only the component's own folder: never the packages of whatever venv compose runs in.
        .env_remove("VIRTUAL_ENV");
    run(cmd, input.name, "componentize-py", input.source_dir)?;
    let bytes = std::fs::read(&out).map_err(|e| ToolchainError::Io {
        what: format!("read `{}`", out.display()),
        source: e,
    })?;
    Ok(Built {
        output: Output::Component(bytes),
        inputs: imported_files(tools, &componentize, input, &main),
        bindings: None,
    })
}

/// The files of the modules `main` imports, as Python's `modulefinder` finds them on the
/// component's folder and the path componentize-py's Python searches; those of that
/// Python's own installation and of compose's home are left out.
fn imported_files(
    tools: &Tools,
    componentize: &Path,
    input: &BuildInput<'_>,
    main: &Path,
) -> Vec<PathBuf> {
    // componentize-py's own Python: the one whose `bin/` holds it.
    let python = componentize
        .parent()
        .map(|bin| bin.join("python3"))
        .filter(|p| p.is_file())
        .or_else(|| tools.python());
    let Some(python) = python else {
        return Vec::new();
    };
    const FIND: &str = "import json, modulefinder, sys\n\
        finder = modulefinder.ModuleFinder(path=sys.argv[2:] + sys.path)\n\
        finder.run_script(sys.argv[1])\n\
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}\n\
        files = [m.__file__ for m in finder.modules.values() if m.__file__]\n\
        print(json.dumps([f for f in files if not any(f.startswith(p + '/') for p in prefixes)]))\n";
    let Ok(output) = Command::new(python)
        .current_dir(input.source_dir)
        .arg("-c")
        .arg(FIND)
        .arg(main)
        .arg(input.source_dir)
        .args(input.include)
        .env_remove("VIRTUAL_ENV")
        .output()
    else {
        return Vec::new();
    };
    let files: Vec<String> = serde_json::from_slice(&output.stdout).unwrap_or_default();
    crate::watched(
        files.into_iter().map(PathBuf::from),
        &[tools.home().to_path_buf()],
    )
}
