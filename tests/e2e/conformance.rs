//! Graphs every composition tool must link (tests/fixtures/conformance), each built, linked
//! and run through the `compose` binary: middleware (a component that imports and exports
//! the same interface; a chain with the middle component in each of Rust, Go, C and Python,
//! wired per importer, and the general wiring form), functions of a world itself, an
//! interface of types only, a resource used across three components, and fixed-length
//! lists (a component-model feature the runtime supports). Every component is built once;
//! each case then relinks with another root.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::support::*;

static FIXTURE: OnceLock<Mutex<tempfile::TempDir>> = OnceLock::new();

/// The fixture, built once, for one case at a time.
fn fixture() -> MutexGuard<'static, tempfile::TempDir> {
    let lock = FIXTURE.get_or_init(|| {
        let project = copy_fixture("conformance");
        compose_in(project.path(), &["build"]).ok();
        Mutex::new(project)
    });
    lock.lock().unwrap_or_else(|e| e.into_inner())
}

/// Rewrites compose.toml: only the component tables named in `keep` (all when empty), and
/// `compose` as its `[compose]` section.
fn manifest(project: &Path, keep: &[&str], compose: &str) {
    let original =
        std::fs::read_to_string(repo().join("tests/fixtures/conformance/compose.toml")).unwrap();
    let head = &original[..original.find("\n[compose]\n").expect("a [compose] table")];
    let mut blocks = head.split("\n[components.");
    let mut text = blocks.next().unwrap().to_string();
    for block in blocks {
        let name = block.split(']').next().unwrap();
        if keep.is_empty() || keep.contains(&name) {
            text.push_str("\n[components.");
            text.push_str(block);
        }
    }
    text.push_str("\n[compose]\n");
    text.push_str(compose);
    std::fs::write(project.join("compose.toml"), text).unwrap();
}

fn run_root(project: &Path, root: &str) -> Run {
    manifest(project, &[], &format!("root = \"{root}\"\n"));
    compose_in(project, &["run"]).ok()
}

fn report(project: &Path) -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(project.join("target/compose/dev/conformance.build.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn middleware_in_every_language_wired_per_importer() {
    let project = fixture();
    let dir = project.path();
    let original =
        std::fs::read_to_string(repo().join("tests/fixtures/conformance/compose.toml")).unwrap();
    std::fs::write(dir.join("compose.toml"), original).unwrap();
    let out = compose_in(dir, &["run"]).ok();
    assert_eq!(
        out.stdout, "answer = value-of-answer via leaf > python > c > go > rust\n",
        "{out}"
    );
    let links: Vec<(String, String)> = report(dir)["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["importer"].as_str().unwrap().to_string(),
                l["exporter"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for pair in [
        ("mw-app", "mw-rust"),
        ("mw-rust", "mw-go"),
        ("mw-go", "mw-c"),
        ("mw-c", "mw-py"),
        ("mw-py", "mw-leaf"),
    ] {
        assert!(
            links.contains(&(pair.0.to_string(), pair.1.to_string())),
            "{pair:?} in {links:?}"
        );
    }
}

#[test]
fn middleware_with_the_general_wiring_form() {
    let project = fixture();
    let dir = project.path();
    // `wire` names the middle component for every importer; the middle component itself is
    // not wired to itself, and takes the one other component that exports the interface.
    manifest(
        dir,
        &["mw-app", "mw-go", "mw-leaf"],
        "root = \"mw-app\"\nwire = { \"conf:cases/store@0.1.0\" = \"mw-go\" }\n",
    );
    let out = compose_in(dir, &["run"]).ok();
    assert_eq!(
        out.stdout, "answer = value-of-answer via leaf > go\n",
        "{out}"
    );

    // With more than one other exporter, the middle component's own import is ambiguous,
    // and the help says how to wire one importer.
    manifest(
        dir,
        &[],
        "root = \"mw-app\"\nwire = { \"conf:cases/store@0.1.0\" = \"mw-c\" }\n",
    );
    compose_in(dir, &["build"]).fails().stderr_has(&[
        "component `mw-c` imports `conf:cases/store@0.1.0`, which several components export: mw-go, mw-leaf, mw-py, mw-rust",
        "[compose.wire.mw-c]",
    ]);
}

#[test]
fn functions_of_a_world_link_like_interfaces() {
    let project = fixture();
    let out = run_root(project.path(), "ids-app");
    assert_eq!(out.stdout, "order-1\norder-2\ninvoice-3\n", "{out}");
    assert_eq!(report(project.path())["links"][0]["class"], "function");
}

#[test]
fn an_interface_of_types_only_does_not_block_a_link() {
    let project = fixture();
    let out = run_root(project.path(), "geo-app");
    assert_eq!(out.stdout, "mm: (300, -150)\ninch: (12, -6)\n", "{out}");
    // Nobody implements it (there is nothing to implement): the host gives it.
    let imports = report(project.path())["imports"].to_string();
    assert!(imports.contains("conf:cases/shapes@0.1.0"), "{imports}");
}

#[test]
fn a_resource_crosses_three_components() {
    let project = fixture();
    let out = run_root(project.path(), "res-app");
    assert_eq!(
        out.stdout,
        "total 4.75, largest apples\nspawned-0 = 10.00\nspawned-1 = 10.50\nspawned-2 = 11.00\ntotal 31.50, largest spawned-2\n",
        "{out}"
    );
}

#[test]
fn fixed_length_lists_are_accepted_by_every_stage() {
    let project = fixture();
    let out = run_root(project.path(), "vec-app");
    assert_eq!(out.stdout, "dot = 5\nreverse = [4, 3, 2, 1]\n", "{out}");
    compose_in(project.path(), &["check"]).ok();
}

#[test]
fn a_component_importing_a_resource_is_tested_alone() {
    // res-ops imports the `counter` resource from another component; `compose test` calls it
    // alone, with the resource defined by the host and its functions trapping if called.
    let project = fixture();
    let dir = project.path();
    manifest(dir, &[], "root = \"res-app\"\n");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests/ops.toml"),
        "interface = \"conf:cases/ops\"\n[[case]]\ncall = \"total([])\"\nexpect = \"0.0\"\n[[case]]\ncall = \"spawn(0, 1.5)\"\nexpect = \"[]\"\n",
    )
    .unwrap();
    let out = compose_in(dir, &["test"]);
    std::fs::remove_dir_all(dir.join("tests")).unwrap();
    let out = out.ok();
    assert!(out.stdout.contains("2 passed, 0 failed"), "{out}");
}

/// A resource of floats whose middle component has functions of its world over it
/// (`use meter.{gauge}` at the level of the world makes the type an import of its own): the
/// middle component in each of Rust, C, Go and Python, the type linked with its interface,
/// and, with nothing wired, the one assignment that uses every component inferred.
#[test]
fn a_type_of_the_world_links_with_its_interface_in_every_language() {
    let project = fixture();
    let dir = project.path();
    for (scaler, says) in [
        ("fl-scaler-rust", "rust"),
        ("fl-scaler-c", "c"),
        ("fl-scaler-go", "go"),
        ("fl-scaler-py", "python"),
    ] {
        manifest(
            dir,
            &["fl-app", "fl-store", "fl-doubler", scaler],
            "root = \"fl-app\"\n",
        );
        let out = compose_in(dir, &["run"]).ok();
        assert_eq!(
            out.stdout,
            format!("merged 7.00, made by {says} over store\n"),
            "{out}"
        );
        assert!(
            out.stderr.contains(&format!(
                "Wired fl-doubler → fl-store; fl-app → {scaler} → fl-store for conf:cases/meter@0.1.0"
            )),
            "{out}"
        );
        let report = report(dir);
        let has = |importer: &str, import: &str, exporter: &str, class: &str| {
            report["links"].as_array().unwrap().iter().any(|l| {
                l["importer"] == importer
                    && l["import"] == import
                    && l["exporter"] == exporter
                    && l["class"] == class
            })
        };
        assert!(has(scaler, "gauge", "fl-store", "type"), "{report}");
        assert!(has("fl-doubler", "gauge", "fl-store", "type"), "{report}");
        assert!(has(scaler, "double", "fl-doubler", "function"), "{report}");
        assert_eq!(report["inferred"].as_array().unwrap().len(), 2, "{report}");
    }
    // A wire line for the type is accepted, and the build says the same.
    manifest(
        dir,
        &["fl-app", "fl-store", "fl-doubler", "fl-scaler-c"],
        "root = \"fl-app\"\n\n[compose.wire.fl-scaler-c]\ngauge = \"fl-store\"\n",
    );
    let out = compose_in(dir, &["run"]).ok();
    assert_eq!(out.stdout, "merged 7.00, made by c over store\n", "{out}");
}

/// `app → middle → leaf` needs no `[compose.wire]`: the middle and the leaf both export the
/// store, but only one assignment uses every component without a cycle. Two middles leave
/// two answers, and that is still refused with the candidates and the lines to write.
#[test]
fn a_chain_with_one_answer_needs_no_wiring_in_every_language() {
    let project = fixture();
    let dir = project.path();
    for (middle, says) in [
        ("mw-rust", "rust"),
        ("mw-go", "go"),
        ("mw-c", "c"),
        ("mw-py", "python"),
    ] {
        manifest(dir, &["mw-app", middle, "mw-leaf"], "root = \"mw-app\"\n");
        let out = compose_in(dir, &["run"]).ok();
        assert_eq!(
            out.stdout,
            format!("answer = value-of-answer via leaf > {says}\n"),
            "{out}"
        );
        assert!(
            out.stderr.contains(&format!(
                "Wired mw-app → {middle} → mw-leaf for conf:cases/store@0.1.0: nothing was wired, and it is the only acyclic chain that uses every component"
            )),
            "{out}"
        );
    }
    manifest(
        dir,
        &["mw-app", "mw-go", "mw-c", "mw-leaf"],
        "root = \"mw-app\"\n",
    );
    compose_in(dir, &["build"]).fails().stderr_has(&[
        "component `mw-app` imports `conf:cases/store@0.1.0`, which several components export: mw-c, mw-go",
        "[compose.wire]",
    ]);
}

/// A `.wac` script of the project's folder, removed when dropped (the fixture is shared).
struct Script(std::path::PathBuf);

impl Script {
    fn write(dir: &Path, name: &str, text: &str) -> Self {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        Script(path)
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The floats graph, as wac's composition script says it (the middle one in Go).
const FLOATS_WAC: &str = r#"package conf:floats;

// The store makes gauges. The doubler and the middle component take them, each with the
// type its world uses, taken from the store's meter.
let store = new conf:fl-store { ... };
let doubler = new conf:fl-doubler {
    "conf:cases/meter@0.1.0": store["conf:cases/meter@0.1.0"],
    gauge: store["conf:cases/meter@0.1.0"].gauge,
    ...
};
let middle = new conf:fl-scaler-go {
    "conf:cases/meter@0.1.0": store["conf:cases/meter@0.1.0"],
    gauge: store["conf:cases/meter@0.1.0"].gauge,
    double: doubler.double,
    ...
};
let app = new conf:fl-app { "conf:cases/meter@0.1.0": middle["conf:cases/meter@0.1.0"], ... };

export app...;
"#;

#[test]
fn a_wac_script_wires_the_project_and_a_broken_one_is_said_in_the_script() {
    let project = fixture();
    let dir = project.path();
    let keep = ["fl-app", "fl-store", "fl-doubler", "fl-scaler-go"];
    let script = Script::write(dir, "floats.wac", FLOATS_WAC);
    // Named in compose.toml, which names no root: the script's export does.
    manifest(dir, &keep, "wac = \"floats.wac\"\n");
    let out = compose_in(dir, &["run"]).ok();
    assert_eq!(out.stdout, "merged 7.00, made by go over store\n", "{out}");
    assert!(out.stderr.contains("Wiring as floats.wac says"), "{out}");
    let report = report(dir);
    assert!(
        report["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["importer"] == "fl-scaler-go"
                && l["import"] == "gauge"
                && l["exporter"] == "fl-store"
                && l["interface"] == "conf:cases/meter@0.1.0"),
        "{report}"
    );
    // The folder's one script, with nothing in compose.toml (changed, to be linked again).
    std::fs::write(&script.0, format!("{FLOATS_WAC}// again\n")).unwrap();
    manifest(dir, &keep, "root = \"fl-app\"\n");
    let out = compose_in(dir, &["run"]).ok();
    assert!(out.stderr.contains("Wiring as floats.wac says"), "{out}");
    // A script naming a component the project lacks: said at its line.
    std::fs::write(
        &script.0,
        FLOATS_WAC.replace("conf:fl-scaler-go", "conf:fl-scalr"),
    )
    .unwrap();
    compose_in(dir, &["build"]).fails().stderr_has(&[
        "floats.wac: `conf:fl-scalr` names no component of the project",
        "let middle = new conf:fl-scalr {",
        "no component of that name",
    ]);
    // A script whose argument is of another type: wac's own words, at its line.
    std::fs::write(
        &script.0,
        FLOATS_WAC.replace("double: doubler.double", "double: doubler.gauge"),
    )
    .unwrap();
    compose_in(dir, &["build"])
        .fails()
        .stderr_has(&["floats.wac:", "double: doubler.gauge"]);
}
