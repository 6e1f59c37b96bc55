//! `compose test --differential`: for every interface that two or more components export,
//! random inputs of each function's parameter types go to every implementation; the first
//! input on which they disagree is shrunk to a small case and reported. Seeded and
//! reproducible: the same seed gives the same inputs.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use compose_runtime::{
    minimize, random_value, supported, Grants, Limits, Rng, RunError, Runtime, Session,
};
use serde::Serialize;

use crate::ops::build::BuildReport;
use crate::ops::test::targets;
use crate::{ComposeHome, ProjectError};

/// How much random testing to do.
#[derive(Debug, Clone, Copy)]
pub struct DifferentialOptions {
    /// The seed of every random input.
    pub seed: u64,
    /// Random inputs per function.
    pub cases: usize,
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
    // A hanging implementation must not hang the run.
    let limits = Limits {
        timeout: Some(Duration::from_secs(10)),
        ..Limits::default()
    };
    let runtime = Runtime::new(Some(home.compiled_cache()), &limits)?;
    let targets = targets(&runtime, report)?;
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
            let comparison = compare(&sessions, &function, options);
            progress(&comparison);
            out.push(comparison);
        }
    }
    Ok(out)
}

fn compare(
    sessions: &[(String, Session<'_>)],
    function: &compose_runtime::Function,
    options: DifferentialOptions,
) -> Comparison {
    let mut seed_hasher = std::collections::hash_map::DefaultHasher::new();
    (options.seed, &function.full_name).hash(&mut seed_hasher);
    let mut rng = Rng::new(seed_hasher.finish());
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

/// One implementation's answer as text: its results in WAVE, or what stopped it.
fn answer(session: &Session<'_>, name: &str, params: &[compose_runtime::Value]) -> String {
    let function = match session.find(name) {
        Ok(f) => f,
        Err((message, _)) => return format!("missing: {message}"),
    };
    match session.call_values(function, params) {
        Ok(values) => compose_runtime::to_wave(&values)
            .map(|v| v.join(", "))
            .unwrap_or_else(|e| e),
        // Traps differ in their backtraces; that they trapped is what compares.
        Err(RunError::Trap { .. }) => "trap".into(),
        Err(e) => format!("error: {e}"),
    }
}

fn show_call(function: &compose_runtime::Function, params: &[compose_runtime::Value]) -> String {
    let args = compose_runtime::to_wave(params)
        .map(|v| v.join(", "))
        .unwrap_or_else(|e| e);
    format!("{}({args})", function.full_name)
}
