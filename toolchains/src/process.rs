//! Running toolchain processes and keeping their output for error messages.

use std::process::{Command, Output};

use crate::ToolchainError;

/// Runs `cmd` to completion with its output captured. A non-zero exit becomes
/// [`ToolchainError::CompileFailed`] carrying the tool's own stderr and stdout.
pub fn run(
    mut cmd: Command,
    component: &str,
    tool: &str,
    dir: &std::path::Path,
) -> Result<Output, ToolchainError> {
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
