use std::path::PathBuf;

use compose_project::ops::{self, Comparison, DifferentialOptions, TestReport};
use compose_project::sandbox::{parse_duration, parse_size, Limits};
use compose_project::{ComposeHome, Message};

use super::ManifestArg;
use crate::output::{sanitize, status, xml_escape};

#[derive(clap::Args)]
pub struct Args {
    /// Instead of the test files: feed the same random inputs to every implementation of
    /// each interface that two or more components export, and report where they disagree.
    #[arg(long)]
    differential: bool,
    /// Seed of the random inputs (differential mode); the same seed repeats the same run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random inputs per function (differential mode).
    #[arg(long, default_value_t = 200)]
    cases: usize,
    /// Test this component file too (an implementation from outside the project, e.g. one
    /// pulled from a registry), against the same test files or, with `--differential`,
    /// against the project's implementations. Repeatable.
    #[arg(long, value_name = "FILE.wasm")]
    plug: Vec<PathBuf>,
    /// Also write a JUnit XML report here, for CI.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Stop a call after this long (default 10s), e.g. `1s`, `500ms`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Cap a call's memory, all its instances together (default 256MiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
    /// Stop a call after this much fuel (about one unit per wasm instruction).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    #[command(flatten)]
    manifest: ManifestArg,
}

/// One finished test, whichever mode produced it.
struct Outcome {
    suite: String,
    name: String,
    passed: bool,
    detail: String,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let manifest = args.manifest.load()?;
    let report = super::build::build(&manifest, ops::BuildOptions::default())?;
    let home = ComposeHome::from_env();
    let json = crate::output::json();
    let limits = ops::test_limits(Limits {
        timeout: args.timeout,
        max_memory: args.max_memory,
        fuel: args.fuel,
        max_stack: None,
    });
    let outcomes = if args.differential {
        let options = DifferentialOptions {
            seed: args.seed,
            cases: args.cases,
            limits,
            plugs: args.plug.clone(),
        };
        let comparisons = ops::differential(&report, &home, options, &mut |c| {
            show_comparison(c, json, args.seed)
        })?;
        if comparisons.is_empty() && !json {
            status(
                "Nothing",
                "no interface has two or more implementations to compare",
            );
        }
        comparisons.iter().map(comparison_outcome).collect()
    } else {
        let tests = ops::test(&manifest, &report, &home, &limits, &args.plug)?;
        show_cases(&tests, json);
        case_outcomes(&tests)
    };
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let failed = outcomes.len() - passed;
    if json {
        crate::output::emit(&Message::Summary { passed, failed });
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if let Some(path) = &args.junit {
        write_junit(path, &outcomes)?;
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

fn show_cases(tests: &TestReport, json: bool) {
    for c in &tests.cases {
        if json {
            crate::output::emit(&Message::Case(c));
        } else if c.passed {
            println!("ok      {:<12} {}", c.target, sanitize(&c.call));
        } else {
            println!("FAILED  {:<12} {}", c.target, sanitize(&c.call));
            println!(
                "        file:     {} (case {})",
                sanitize(&c.file.display().to_string()),
                c.case
            );
            println!("        expected: {}", sanitize(&c.expected));
            println!("        actual:   {}", sanitize(&c.actual));
        }
    }
}

fn case_outcomes(tests: &TestReport) -> Vec<Outcome> {
    tests
        .cases
        .iter()
        .map(|c| Outcome {
            suite: c.target.clone(),
            name: format!(
                "{} case {}: {}",
                c.file
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                c.case,
                c.call
            ),
            passed: c.passed,
            detail: format!("expected {}, got {}", c.expected, c.actual),
        })
        .collect()
}

fn show_comparison(c: &Comparison, json: bool, seed: u64) {
    if json {
        crate::output::emit(&Message::Comparison {
            comparison: c,
            seed,
        });
        return;
    }
    match &c.disagreement {
        None => println!(
            "ok      {} agree on {} random inputs ({})",
            c.function,
            c.cases,
            c.implementations.join(", ")
        ),
        Some(d) => {
            println!("DISAGREE {}", sanitize(&d.call));
            for (implementation, answer) in &d.answers {
                println!("        {implementation:<12} -> {}", sanitize(answer));
            }
            println!(
                "        found at random input {} of seed {seed} (`compose test --differential --seed {seed}` repeats it), shrunk from {}",
                d.case, d.original_call
            );
        }
    }
}

fn comparison_outcome(c: &Comparison) -> Outcome {
    Outcome {
        suite: "differential".into(),
        name: c.function.clone(),
        passed: c.disagreement.is_none(),
        detail: c
            .disagreement
            .as_ref()
            .map(|d| {
                let answers: Vec<String> = d
                    .answers
                    .iter()
                    .map(|(i, a)| format!("{i} -> {a}"))
                    .collect();
                format!("{}: {}", d.call, answers.join("; "))
            })
            .unwrap_or_default(),
    }
}

fn write_junit(path: &std::path::Path, outcomes: &[Outcome]) -> miette::Result<()> {
    let failures = outcomes.iter().filter(|o| !o.passed).count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"compose test\" tests=\"{}\" failures=\"{failures}\">\n",
        outcomes.len(),
        outcomes.len()
    );
    for o in outcomes {
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml_escape(&o.suite),
            xml_escape(&o.name)
        ));
        if o.passed {
            xml.push_str("/>\n");
        } else {
            xml.push_str(&format!(
                ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                xml_escape(&o.detail)
            ));
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    compose_project::write_file(path, xml.as_bytes())?;
    Ok(())
}
