//! `compose test`: test vectors (calls and expected results in WAVE) run against every
//! component that implements an interface, and against the composed result; and the
//! differential mode, which feeds the same random inputs to every implementation.
//!
//! A test file is TOML in the project's `tests/` folder:
//!
//! ```toml
//! interface = "demo:calc/calc"            # the exported interface the calls target
//! [stubs]                                 # canned results for imports (optional)
//! "demo:calc/tax@0.1.0#rate" = "20"
//! [[case]]
//! call = "add(1, 2)"                      # function and arguments, in WAVE
//! expect = "3"                            # the result, in WAVE (omit for no result)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use compose_runtime::{Grants, Limits, Loaded, Runtime, Session, Stub};
use serde::{Deserialize, Serialize};

use crate::ops::build::BuildReport;
use crate::{ComposeHome, Manifest, ProjectError};

/// A test file's contents.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    interface: String,
    #[serde(default)]
    stubs: BTreeMap<String, String>,
    #[serde(default, rename = "case")]
    cases: Vec<TestCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    call: String,
    expect: Option<String>,
}

/// One call against one implementation.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The test file.
    pub file: PathBuf,
    /// Index of the case in the file (from 1).
    pub case: usize,
    /// What was called: a component's name, or `composed` for the composed result.
    pub target: String,
    /// The call as written.
    pub call: String,
    /// What was expected, in WAVE.
    pub expected: String,
    /// What came back, in WAVE, or why nothing came back.
    pub actual: String,
    /// Whether they agree.
    pub passed: bool,
}

/// The results of `compose test`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestReport {
    /// Every case against every implementation.
    pub cases: Vec<CaseResult>,
}

impl TestReport {
    /// How many passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }

    /// How many failed.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }
}

/// A component under test: its name and compiled code.
pub(crate) struct Target {
    pub name: String,
    pub loaded: Loaded,
    pub exports: Vec<String>,
}

/// Compiles every built component, the composed result, and each plug (a component file
/// from outside the project, named by its file name), for tests to call.
pub(crate) fn targets(
    runtime: &Runtime,
    report: &BuildReport,
    plugs: &[PathBuf],
) -> Result<Vec<Target>, ProjectError> {
    let mut files: Vec<(String, &Path)> = report
        .components
        .iter()
        .map(|c| (c.name.clone(), c.artifact.as_path()))
        .collect();
    files.push(("composed".to_string(), report.output.as_path()));
    for plug in plugs {
        let name = plug.file_name().map_or_else(
            || plug.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        files.push((name, plug.as_path()));
    }
    let mut out = Vec::new();
    for (name, path) in files {
        let bytes = super::wit::read_component(
            path,
            "test components: a built `.wasm` that exports the interface the tests call",
        )?;
        let exports = compose_linker::exports_of(&bytes)?;
        let loaded = runtime.load(&name, &bytes)?;
        out.push(Target {
            name,
            loaded,
            exports,
        });
    }
    Ok(out)
}

/// Does an export name (`demo:calc/calc@0.1.0`) answer to `want` (with or without version)?
pub(crate) fn names_interface(export: &str, want: &str) -> bool {
    export == want || export.split('@').next() == Some(want)
}

/// A test file read and checked before anything runs: its TOML, its stubs, and the WAVE of
/// every call and expected value (untyped: types come from the component when it is called).
pub fn read_test_file(file: &Path, text: &str) -> Result<(TestFile, Vec<Stub>), ProjectError> {
    let spec: TestFile = toml::from_str(text).map_err(|e| bad_file(file, text, e))?;
    let stubs = parse_stubs(file, &spec.stubs)?;
    let bad = |what: String, message: String| ProjectError::Test {
        file: file.display().to_string(),
        message: format!("{what}: {message}"),
        help: "calls and values are written in WAVE, e.g. `add(1, 2)` and `3`".into(),
    };
    for stub in &stubs {
        compose_runtime::check_value(&stub.result)
            .map_err(|m| bad(format!("stub `{}#{}`", stub.interface, stub.function), m))?;
    }
    for (i, case) in spec.cases.iter().enumerate() {
        compose_runtime::check_call(&case.call).map_err(|m| bad(format!("case {}", i + 1), m))?;
        if let Some(expect) = &case.expect {
            compose_runtime::check_value(expect)
                .map_err(|m| bad(format!("case {}, `expect`", i + 1), m))?;
        }
    }
    Ok((spec, stubs))
}

/// The limits of every call of `compose test` (and `--differential`): `flags` where given,
/// else a 10 s timeout and 256 MiB of memory, so that a case that loops or grows without
/// end fails alone instead of holding the run.
pub fn test_limits(flags: Limits) -> Limits {
    Limits {
        timeout: flags.timeout.or(Some(std::time::Duration::from_secs(10))),
        max_memory: flags.max_memory.or(Some(256 << 20)),
        ..flags
    }
}

/// Runs every test file of the project against every implementation of its interface.
pub fn test(
    manifest: &Manifest,
    report: &BuildReport,
    home: &ComposeHome,
    limits: &Limits,
    plugs: &[PathBuf],
) -> Result<TestReport, ProjectError> {
    let dir = manifest.root_dir.join("tests");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let runtime = Runtime::new(Some(home.compiled_cache()), limits)?;
    let targets = targets(&runtime, report, plugs)?;
    let mut result = TestReport::default();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| ProjectError::io(format!("read `{}`", file.display()), e))?;
        let (spec, stubs) = read_test_file(file, &text)?;
        let implementations: Vec<&Target> = targets
            .iter()
            .filter(|t| {
                t.exports
                    .iter()
                    .any(|e| names_interface(e, &spec.interface))
            })
            .collect();
        if implementations.is_empty() {
            return Err(ProjectError::Test {
                file: file.display().to_string(),
                message: format!("no component of the project exports `{}`", spec.interface),
                help: "set `interface` to an interface one of the project's worlds exports".into(),
            });
        }
        for target in implementations {
            let session = runtime.session(&target.loaded, &Grants::default(), limits, &stubs)?;
            for (i, case) in spec.cases.iter().enumerate() {
                result.cases.push(run_case(
                    &session,
                    &spec.interface,
                    file,
                    i + 1,
                    &target.name,
                    case,
                ));
            }
        }
    }
    Ok(result)
}

fn run_case(
    session: &Session<'_>,
    interface: &str,
    file: &Path,
    index: usize,
    target: &str,
    case: &TestCase,
) -> CaseResult {
    let expected = case.expect.clone().unwrap_or_default();
    let mut result = CaseResult {
        file: file.to_path_buf(),
        case: index,
        target: target.to_string(),
        call: case.call.clone(),
        expected: expected.clone(),
        actual: String::new(),
        passed: false,
    };
    // Calls name a function of the file's interface; find it there.
    let qualified = format!(
        "{}#{}",
        full_interface(session, interface),
        case.call.trim()
    );
    match session.call(&qualified) {
        Ok(invoked) => {
            let actual = invoked.results.join(", ");
            let expected_canonical = session.canonical_result(&qualified, &expected);
            result.passed = expected_canonical.as_deref() == Ok(actual.as_str());
            if let Err(message) = expected_canonical {
                result.expected = format!("{expected} (invalid: {message})");
            }
            result.actual = actual;
        }
        Err(e) => result.actual = format!("error: {e}"),
    }
    result
}

/// The exported interface's full name as the component spells it.
fn full_interface(session: &Session<'_>, want: &str) -> String {
    session
        .functions()
        .iter()
        .map(|f| f.interface.as_str())
        .find(|i| names_interface(i, want))
        .unwrap_or(want)
        .to_string()
}

fn parse_stubs(file: &Path, stubs: &BTreeMap<String, String>) -> Result<Vec<Stub>, ProjectError> {
    stubs
        .iter()
        .map(|(name, result)| {
            let (interface, function) =
                name.rsplit_once('#').ok_or_else(|| ProjectError::Test {
                    file: file.display().to_string(),
                    message: format!("stub `{name}` does not name `interface#function`"),
                    help: "write stubs as \"ns:pkg/iface@version#function\" = \"<result in WAVE>\""
                        .into(),
                })?;
            Ok(Stub {
                interface: interface.to_string(),
                function: function.to_string(),
                result: result.clone(),
            })
        })
        .collect()
}

fn bad_file(file: &Path, _text: &str, e: toml::de::Error) -> ProjectError {
    ProjectError::Test {
        file: file.display().to_string(),
        message: e.message().to_string(),
        help: "a test file has `interface`, optional `[stubs]`, and `[[case]]` tables with `call` and `expect`".into(),
    }
}
