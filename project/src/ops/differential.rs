//! `compose test --differential`: for every interface that two or more components export,
//! random inputs of each function's parameter types go to every implementation; the first
//! input on which they disagree is shrunk to a small case and reported. Seeded and
//! reproducible: the same seed gives the same inputs.

use std::collections::BTreeMap;

use compose_runtime::{
    minimize, random_value, supported, Grants, Limits, Rng, RunError, Runtime, Session,
};
use serde::Serialize;

use crate::ops::build::BuildReport;
use crate::ops::test::targets;
use crate::{ComposeHome, ProjectError};

/// How much random testing to do, and under which limits.
#[derive(Debug, Clone)]
pub struct DifferentialOptions {
    /// The seed of every random input.
    pub seed: u64,
    /// Random inputs per function.
    pub cases: usize,
    /// The limits of every call (see [`crate::ops::test_limits`]).
    pub limits: Limits,
    /// Component files from outside the project, compared as implementations too.
    pub plugs: Vec<std::path::PathBuf>,
}

/// One function compared across implementations.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// `iface#func`.
    pub function: String,
    /// The components compared.
    pub implementations: Vec<String>,
    /// Inputs tried.
    pub cases: usize,
    /// The first disagreement, shrunk; `None` when they all agreed.
    pub disagreement: Option<Disagreement>,
}

/// An input on which implementations answer differently.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// The call, arguments in WAVE (after shrinking).
    pub call: String,
    /// The call as first found (before shrinking).
    pub original_call: String,
    /// Which random input it was (from 1).
    pub case: usize,
    /// Each implementation's answer: results in WAVE, or the error.
    pub answers: Vec<(String, String)>,
}

/// Compares every interface with two or more implementations among the built components.
pub fn differential(
    report: &BuildReport,
    home: &ComposeHome,
    options: DifferentialOptions,
    progress: &mut dyn FnMut(&Comparison),
) -> Result<Vec<Comparison>, ProjectError> {
    let limits = options.limits;
    let runtime = Runtime::new(Some(home.compiled_cache()), &limits)?;
    let targets = targets(&runtime, report, &options.plugs)?;
    let components: Vec<_> = targets.iter().filter(|t| t.name != "composed").collect();
    let mut by_interface: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, target) in components.iter().enumerate() {
        for export in &target.exports {
            by_interface.entry(export.as_str()).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (interface, implementers) in by_interface.into_iter().filter(|(_, v)| v.len() >= 2) {
        let sessions = implementers
            .iter()
            .map(|&i| {
                runtime
                    .session(&components[i].loaded, &Grants::default(), &limits, &[])
                    .map(|s| (components[i].name.clone(), s))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let functions: Vec<_> = sessions[0]
            .1
            .functions()
            .iter()
            .filter(|f| f.interface == interface && f.params.iter().all(supported))
            .cloned()
            .collect();
        for function in functions {
            let comparison = compare(&sessions, &function, &options);
            progress(&comparison);
            out.push(comparison);
        }
    }
    Ok(out)
}

fn compare(
    sessions: &[(String, Session<'_>)],
    function: &compose_runtime::Function,
    options: &DifferentialOptions,
) -> Comparison {
    let mut rng = Rng::new(function_seed(options.seed, &function.full_name));
    let implementations: Vec<String> = sessions.iter().map(|(n, _)| n.clone()).collect();
    let answers = |params: &[compose_runtime::Value]| -> Vec<(String, String)> {
        sessions
            .iter()
            .map(|(name, session)| (name.clone(), answer(session, &function.full_name, params)))
            .collect()
    };
    let disagree = |a: &[(String, String)]| a.iter().any(|(_, x)| *x != a[0].1);
    for case in 1..=options.cases {
        let size = 1 + (case as u64 * 64) / options.cases.max(1) as u64;
        let params: Vec<_> = function
            .params
            .iter()
            .map(|t| random_value(t, &mut rng, size))
            .collect();
        if !disagree(&answers(&params)) {
            continue;
        }
        let original_call = show_call(function, &params);
        let smallest = minimize(params, 500, |p| disagree(&answers(p)));
        return Comparison {
            function: function.full_name.clone(),
            implementations,
            cases: case,
            disagreement: Some(Disagreement {
                call: show_call(function, &smallest),
                original_call,
                case,
                answers: answers(&smallest),
            }),
        };
    }
    Comparison {
        function: function.full_name.clone(),
        implementations,
        cases: options.cases,
        disagreement: None,
    }
}

/// The seed of one function's inputs: the run's seed mixed with the function's name by
/// SHA-256, so the same seed gives the same inputs with every build of compose.
fn function_seed(seed: u64, function: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(function.as_bytes())
        .finalize();
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// One implementation's answer as text: its results in WAVE, or what stopped it, by kind
/// only (messages name the component and would make any two failures differ).
fn answer(session: &Session<'_>, name: &str, params: &[compose_runtime::Value]) -> String {
    let function = match session.find(name) {
        Ok(f) => f,
        Err((message, _)) => return format!("missing: {message}"),
    };
    match session.call_values(function, params) {
        Ok(values) => compose_runtime::to_wave(&values)
            .map(|v| v.join(", "))
            .unwrap_or_else(|e| e),
        Err(RunError::Trap { .. }) => "trap".into(),
        Err(RunError::Limit { kind, .. }) => format!("stopped by its {kind}"),
        Err(RunError::HostLimit { .. }) => "stopped by a limit of the host".into(),
        Err(e) => format!(
            "error {}",
            miette::Diagnostic::code(&e)
                .map(|c| c.to_string())
                .unwrap_or_default()
        ),
    }
}

fn show_call(function: &compose_runtime::Function, params: &[compose_runtime::Value]) -> String {
    let args = compose_runtime::to_wave(params)
        .map(|v| v.join(", "))
        .unwrap_or_else(|e| e);
    format!("{}({args})", function.full_name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_are_the_same_in_every_build() {
        // A fixed value: a change here means `--seed N` no longer repeats earlier runs.
        let first = super::function_seed(1, "demo:calc/calc#add");
        assert_eq!(first, super::function_seed(1, "demo:calc/calc#add"));
        assert_ne!(first, super::function_seed(2, "demo:calc/calc#add"));
        assert_ne!(first, super::function_seed(1, "demo:calc/calc#sub"));
    }
}
