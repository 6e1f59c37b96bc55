//! Running toolchain processes and keeping their output for error messages.

use std::process::{Command, Output};

use crate::ToolchainError;

/// Runs `cmd` to completion with its output captured. A non-zero exit becomes
/// [`ToolchainError::CompileFailed`] carrying the tool's own stderr and stdout. The tool
/// dies with compose: a killed `compose build` leaves no compiler running.
pub fn run(
    mut cmd: Command,
    component: &str,
    tool: &str,
    dir: &std::path::Path,
) -> Result<Output, ToolchainError> {
    die_with_parent(&mut cmd);
    let output = cmd.output().map_err(|e| ToolchainError::Io {
        what: format!("start `{tool}` for component `{component}`"),
        source: e,
    })?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_string();
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !stdout.trim().is_empty() && !stdout.trim_start().starts_with('{') {
            text.push('\n');
            text.push_str(stdout.trim_end());
        }
        return Err(ToolchainError::CompileFailed {
            component: component.to_string(),
            tool: tool.to_string(),
            dir: dir.display().to_string(),
            output: text,
        });
    }
    Ok(output)
}

/// Asks the kernel to kill the child when the thread that started it ends (Linux's
/// `PR_SET_PDEATHSIG`), which happens when compose is killed, however it is killed.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: the closure runs in the child between fork and exec, and calls only
    // async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the request was made.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}
