//! Size budgets (`max-size`): a component, or the composed result, that grew past its
//! budget fails the build, at the manifest line of the budget, naming what weighs most.

use compose_linker::graph::{pieces_of_component, Piece};
use compose_linker::Graph;

use super::BuildReport;
use crate::{Manifest, ProjectError};

/// How many of the largest parts an error names.
const SHOWN: usize = 3;

/// Checks every budget of the manifest against the build; the first one exceeded is the
/// error (components in the manifest's order, then the result).
pub(super) fn check(manifest: &Manifest, report: &BuildReport) -> Result<(), ProjectError> {
    for decl in &manifest.components {
        let (Some(budget), Some(built)) = (
            &decl.max_size,
            report.components.iter().find(|c| c.name == decl.name),
        ) else {
            continue;
        };
        if built.size as u64 <= budget.bytes {
            continue;
        }
        let pieces = std::fs::read(&built.artifact)
            .map(|bytes| pieces_of_component(&bytes).0)
            .unwrap_or_default();
        return Err(manifest.error_at(
            budget.span.clone(),
            format!(
                "component `{}` is {}, over its budget of {} (max-size)",
                decl.name,
                exact(built.size as u64),
                exact(budget.bytes)
            ),
            "this budget",
            Some(format!(
                "its largest parts: {}; make it smaller (a `--release` build strips debug information) or raise `max-size`",
                largest(&pieces)
            )),
        ));
    }
    if let Some(budget) = &manifest.max_size {
        if report.size as u64 > budget.bytes {
            let mut parts: Vec<(String, u64)> = std::fs::read(&report.output)
                .ok()
                .and_then(|bytes| Graph::read(&bytes).ok())
                .map(|g| g.nodes.into_iter().map(|n| (n.name, n.size)).collect())
                .unwrap_or_default();
            parts.sort_by_key(|part| std::cmp::Reverse(part.1));
            let named: Vec<String> = parts
                .iter()
                .take(SHOWN)
                .map(|(name, size)| format!("{name} {}", exact(*size)))
                .collect();
            return Err(manifest.error_at(
                budget.span.clone(),
                format!(
                    "the composed result `{}` is {}, over its budget of {} (max-size)",
                    report
                        .output
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy(),
                    exact(report.size as u64),
                    exact(budget.bytes)
                ),
                "this budget",
                Some(format!(
                    "its largest components: {}; `compose inspect` shows what each is made of",
                    if named.is_empty() {
                        "unknown".into()
                    } else {
                        named.join(", ")
                    }
                )),
            ));
        }
    }
    Ok(())
}

/// The largest parts of a component, for an error.
fn largest(pieces: &[Piece]) -> String {
    if pieces.is_empty() {
        return "none recognised".into();
    }
    pieces
        .iter()
        .take(SHOWN)
        .map(|p| {
            if p.debug > 0 {
                format!(
                    "{} {} (debug info {})",
                    p.what,
                    exact(p.size),
                    exact(p.debug)
                )
            } else {
                format!("{} {}", p.what, exact(p.size))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A size with enough precision to compare with a budget: `2.61 MiB (2,739,813 bytes)`.
fn exact(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let unit = if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    };
    format!("{unit} ({grouped} bytes)")
}

#[cfg(test)]
mod tests {
    use super::exact;

    #[test]
    fn sizes_are_exact_enough_to_compare() {
        assert_eq!(exact(2_739_813), "2.61 MiB (2,739,813 bytes)");
        assert_eq!(exact(1000), "1.0 KiB (1,000 bytes)");
        assert_eq!(exact(999), "1.0 KiB (999 bytes)");
    }
}
