//! `compose graph`, `compose inspect`'s names and wiring, size budgets, `build --timings`
//! and `run --plug`: each checked against what the build itself says (its report), not
//! against numbers written here.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::*;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Three fields of every object of a JSON array: (importer, exporter, interface) of links.
fn triples(array: &Value, fields: [&str; 3]) -> BTreeSet<(String, String, String)> {
    let field = |v: &Value, f: &str| {
        v[f].as_str()
            .unwrap_or_else(|| panic!("{f} of {v}"))
            .to_string()
    };
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|v| {
            (
                field(v, fields[0]),
                field(v, fields[1]),
                field(v, fields[2]),
            )
        })
        .collect()
}

/// (importer, exporter, interface) of every link in a graph's JSON.
fn graph_edges(graph: &Value) -> BTreeSet<(String, String, String)> {
    triples(&graph["edges"], ["importer", "exporter", "interface"])
}

/// The graph of an example, from the project and from its composed file alone, in JSON,
/// DOT and SVG, and `compose inspect`, all against the build's own report.
fn graph_matches_the_build(example: &str) {
    let project = copy_example(example);
    let dir = project.path();
    compose_in(dir, &["build"]).ok();
    let output = dir.join(format!("target/compose/dev/{example}.wasm"));
    let report = json(
        &std::fs::read_to_string(dir.join(format!("target/compose/dev/{example}.build.json")))
            .unwrap(),
    );
    let components = report["components"].as_array().unwrap();
    let links = triples(&report["links"], ["importer", "exporter", "import"]);
    assert!(!links.is_empty(), "{report}");
    let host_imports: BTreeSet<String> = strings(&report["imports"]).into_iter().collect();
    let toml = std::fs::read_to_string(dir.join("compose.toml")).unwrap();
    let root = toml
        .lines()
        .find_map(|l| l.strip_prefix("root = \""))
        .map(|r| r.trim_end_matches('"'))
        .unwrap();

    let from_project = json(&compose_in(dir, &["graph", "--format", "json"]).ok().stdout);
    let mut from_file_cmd = compose();
    from_file_cmd
        .args(["graph", "--format", "json"])
        .arg(&output);
    let from_file = json(&run(&mut from_file_cmd).ok().stdout);

    // Each library confined by its own virtual WASI component: a node of its own.
    let virtuals: Vec<&str> = report["confinements"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["virtual_component"].as_str())
        .collect();
    for graph in [&from_project, &from_file] {
        let nodes = graph["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), components.len() + virtuals.len(), "{graph}");
        for name in &virtuals {
            let node = nodes
                .iter()
                .find(|n| n["name"] == *name)
                .unwrap_or_else(|| panic!("no node `{name}` in {graph}"));
            assert!(node["language"].is_null(), "{node}");
            assert_eq!(
                node["pieces"][0]["what"], "virtual WASI (compose)",
                "{node}"
            );
        }
        for c in components {
            let name = c["name"].as_str().unwrap();
            let node = nodes
                .iter()
                .find(|n| n["name"] == name)
                .unwrap_or_else(|| panic!("no node `{name}` in {graph}"));
            // From the manifest, or recognised in the code of the file alone: the same.
            assert_eq!(node["language"], c["language"], "{name} in {graph}");
            assert_eq!(node["root"], name == root, "{name}");
            assert!(node["size"].as_u64().unwrap() > 0);
            assert!(!node["pieces"].as_array().unwrap().is_empty(), "{node}");
            for import in strings(&node["host"]) {
                assert!(host_imports.contains(&import), "{import} of {name}");
            }
        }
        assert_eq!(graph_edges(graph), links, "{graph}");
        // The result imports each WASI interface once, at the newest version its
        // components ask for (0.2.9 and 0.2.12 become 0.2.12).
        let imports: BTreeSet<String> = strings(&graph["imports"]).into_iter().collect();
        let unversioned = |set: &BTreeSet<String>| -> BTreeSet<String> {
            set.iter()
                .map(|i| i.split('@').next().unwrap().to_string())
                .collect()
        };
        assert!(imports.is_subset(&host_imports), "{imports:?}");
        assert_eq!(unversioned(&imports), unversioned(&host_imports));
    }
    for c in components {
        let name = c["name"].as_str().unwrap();
        let node = from_project["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == name)
            .unwrap();
        assert_eq!(node["world"], c["world"], "the manifest's world of {name}");
    }

    // DOT: one arrow per link, labelled.
    let dot = compose_in(dir, &["graph", "--format", "dot"]).ok().stdout;
    assert!(
        dot.starts_with(&format!("digraph \"{example}\" {{")),
        "{dot}"
    );
    for (importer, exporter, interface) in &links {
        assert!(
            dot.contains(&format!(
                "\"{importer}\" -> \"{exporter}\" [label=\"{interface}\"];"
            )),
            "{dot}"
        );
    }

    // SVG, written with -o (its format from the extension), parsed as XML.
    let svg_path = dir.join("target/graph.svg");
    let mut cmd = compose();
    cmd.arg("graph").arg(&output).arg("-o").arg(&svg_path);
    run(&mut cmd).ok().stderr_has(&["Wrote", "graph.svg"]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let groups = |class: &str| -> Vec<roxmltree::Node<'_, '_>> {
        doc.descendants()
            .filter(|n| n.tag_name().name() == "g" && n.attribute("class") == Some(class))
            .collect()
    };
    let boxes = groups("component");
    assert_eq!(boxes.len(), components.len() + virtuals.len(), "{svg}");
    for c in components {
        let name = c["name"].as_str().unwrap();
        let b = boxes
            .iter()
            .find(|b| b.attribute("data-name") == Some(name))
            .unwrap_or_else(|| panic!("no box for {name}"));
        assert_eq!(b.attribute("data-root").is_some(), name == root);
        let text: String = b
            .descendants()
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains(name), "{text}");
        assert!(text.contains(c["language"].as_str().unwrap()), "{text}");
    }
    let attribute = |g: &roxmltree::Node<'_, '_>, name: &str| {
        g.attribute(name)
            .unwrap_or_else(|| panic!("{name}"))
            .to_string()
    };
    let arrows: BTreeSet<(String, String, String)> = groups("link")
        .iter()
        .map(|g| {
            (
                attribute(g, "data-importer"),
                attribute(g, "data-exporter"),
                attribute(g, "data-interface"),
            )
        })
        .collect();
    assert_eq!(arrows, links);
    assert!(!groups("host").is_empty(), "WASI from the host: {svg}");

    // `compose inspect` names every nested component, with its wiring.
    let mut cmd = compose();
    cmd.arg("inspect").arg(&output);
    let out = run(&mut cmd).ok();
    let listed = out
        .stdout
        .split("components (in the order they are instantiated):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    for c in components {
        let name = c["name"].as_str().unwrap();
        assert!(
            listed.lines().any(|l| l.starts_with(&format!("  {name} "))),
            "{name}: {out}"
        );
    }
    for (importer, exporter, interface) in &links {
        assert!(
            listed.contains(&format!("    imports {interface} from {exporter}")),
            "{importer}: {out}"
        );
    }
    let mut cmd = compose();
    cmd.args(["--message-format", "json", "inspect"])
        .arg(&output);
    let message = json(run(&mut cmd).ok().stdout.trim());
    assert_eq!(message["type"], "inspected");
    assert_eq!(
        message["components"].as_array().unwrap().len(),
        components.len() + virtuals.len()
    );
    // Every WASI link from a virtual component says whether it narrows or denies.
    for link in message["links"].as_array().unwrap() {
        let virtual_one = virtuals.contains(&link["exporter"].as_str().unwrap());
        assert_eq!(!link["confined"].is_null(), virtual_one, "{link}");
    }
}

#[test]
fn the_graph_of_rust_calls_go_is_its_build() {
    graph_matches_the_build("rust-calls-go");
}

#[test]
fn the_graph_of_go_calls_rust_is_its_build() {
    graph_matches_the_build("go-calls-rust");
}

#[test]
fn the_graph_of_python_uses_c_is_its_build() {
    graph_matches_the_build("python-uses-c");
}

#[test]
fn the_graph_of_http_rust_go_is_its_build() {
    graph_matches_the_build("http-rust-go");
}

#[test]
fn a_graph_of_what_is_not_a_composition_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("text.wasm", b"hello".to_vec()),
        (
            "cut.wasm",
            std::fs::read(repo().join("tests/broken/_components/cut.wasm")).unwrap(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut cmd = compose();
        cmd.arg("graph").arg(&path);
        run(&mut cmd).fails().stderr_has(&[name, "component"]);
    }
    // A lone component is a graph of nothing, and inspect lists what it is made of.
    let lone = repo().join("tests/broken/_components/greeter.wasm");
    let mut cmd = compose();
    cmd.args(["graph", "--format", "json"]).arg(&lone);
    let graph = json(&run(&mut cmd).ok().stdout);
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 0);
    let mut cmd = compose();
    cmd.arg("inspect").arg(&lone);
    run(&mut cmd).ok().stdout_has(&["made of:", "program"]);
}

/// `max-size` for a component and for the result: met, then exceeded (naming the parts).
#[test]
fn budgets_hold_until_a_component_or_the_result_outgrows_them() {
    let project = copy_example("rust-calls-go");
    let dir = project.path();
    let manifest = dir.join("compose.toml");
    edit(
        &manifest,
        "world = \"greeter-lib\"\n",
        "world = \"greeter-lib\"\nmax-size = \"64KiB\"\n",
    );
    let out = compose_in(dir, &["build"]).fails();
    out.stderr_has(&[
        "component `greeter` is ",
        "over its budget of 64.0 KiB (65,536 bytes) (max-size)",
        "compose.toml:12:",
        "its largest parts: Go program and runtime ",
        "raise `max-size`",
    ]);
    // In JSON, as an error message; and `compose check` says the same.
    let out = compose_in(dir, &["build", "--message-format", "json"]);
    assert_eq!(out.code, Some(2));
    let error = out
        .stdout
        .lines()
        .map(json)
        .find(|m| m["type"] == "error")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("over its budget"),
        "{error}"
    );
    compose_in(dir, &["check"])
        .fails()
        .stderr_has(&["component `greeter` is "]);

    edit(&manifest, "max-size = \"64KiB\"", "max-size = \"10MiB\"");
    compose_in(dir, &["build"]).ok();
    compose_in(dir, &["check"])
        .ok()
        .stderr_has(&["greeter is ", "within its budget of 10.0 MiB (max-size)"]);
    let checked = compose_in(dir, &["check", "--message-format", "json"]).ok();
    let greeter = checked
        .stdout
        .lines()
        .map(json)
        .find(|m| m["type"] == "component-checked" && m["component"] == "greeter")
        .unwrap_or_else(|| panic!("{checked}"));
    assert_eq!(greeter["max_size"], 10 * 1024 * 1024);
    assert!(greeter["size"].as_u64().unwrap() > 64 * 1024);
    edit(
        &manifest,
        "root = \"app\"\n",
        "root = \"app\"\nmax-size = \"1MiB\"\n",
    );
    compose_in(dir, &["build"]).fails().stderr_has(&[
        "the composed result `rust-calls-go.wasm` is ",
        "over its budget of 1.00 MiB",
        "its largest components: ",
        "greeter ",
        "app ",
    ]);
    edit(&manifest, "max-size = \"1MiB\"\n", "max-size = \"lots\"\n");
    compose_in(dir, &["build"])
        .fails()
        .stderr_has(&["bad `max-size`", "`lots` is not a size"]);
}

#[test]
fn timings_name_every_step_of_every_component() {
    let project = copy_example("python-uses-c");
    let out = compose_in(project.path(), &["build", "--timings"]).ok();
    let out = out.stderr_has(&["Timings:", "compile for the first run "]);
    let line = |prefix: &str| -> String {
        out.stderr
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line: {out}"))
            .to_string()
    };
    let codec = line("codec (c) ");
    for step in [
        " bindings ",
        " compile ",
        " componentize ",
        " check ",
        " write ",
        " = ",
    ] {
        assert!(codec.contains(step), "{step} in {codec}");
    }
    // componentize-py makes the component itself: no componentize step of compose's.
    let app = line("app (python) ");
    assert!(
        app.contains(" compile ") && !app.contains("componentize"),
        "{app}"
    );
    assert!(line("link ").ends_with('s'), "{out}");
    // Nothing rebuilt: each component says so.
    compose_in(project.path(), &["build", "--timings"])
        .ok()
        .stderr_has(&["codec (c)", "fresh (reused)"]);
}

/// The components of the `stale` fixture (an app importing a C, a Go and a Python library),
/// built once, as files.
fn stale_parts() -> (tempfile::TempDir, std::path::PathBuf) {
    let project = copy_fixture("stale");
    compose_in(project.path(), &["build"]).ok();
    let parts = project.path().join("target/compose/dev/components");
    (project, parts)
}

fn part(parts: &Path, name: &str) -> std::path::PathBuf {
    parts.join(name).join(format!("{name}.wasm"))
}

#[test]
fn plug_composes_in_memory_with_one_or_several_libraries() {
    // One library: the prebuilt C app and greeter.
    let components = repo().join("tests/broken/_components");
    let mut cmd = compose();
    cmd.arg("run")
        .arg(components.join("app.wasm"))
        .arg("--plug")
        .arg(components.join("greeter.wasm"));
    let one = run(&mut cmd).ok();
    assert!(one.stdout.contains("Hello"), "{one}");

    // Three libraries in three languages: the same output as the project's own build.
    let (project, parts) = stale_parts();
    let built = compose_in(project.path(), &["run"]).ok();
    let mut cmd = compose();
    cmd.arg("run").arg(part(&parts, "app"));
    for lib in ["c-lib", "go-lib", "py-lib"] {
        cmd.arg("--plug").arg(part(&parts, lib));
    }
    let plugged = run(&mut cmd).ok();
    assert_eq!(plugged.stdout, built.stdout);

    // --explain shows the wiring and runs nothing.
    let mut cmd = compose();
    cmd.arg("run").arg(part(&parts, "app"));
    for lib in ["c-lib", "go-lib", "py-lib"] {
        cmd.arg("--plug").arg(part(&parts, lib));
    }
    cmd.arg("--explain");
    let explained = run(&mut cmd).ok();
    for (lib, iface) in [
        ("c-lib", "c-part"),
        ("go-lib", "go-part"),
        ("py-lib", "py-part"),
    ] {
        assert!(
            explained
                .stdout
                .contains(&format!("app imports conf:stale/{iface}@0.1.0 from {lib}")),
            "{explained}"
        );
    }
    assert!(!explained.stdout.contains(&built.stdout), "{explained}");

    // A missing library: named, with what to add.
    let mut cmd = compose();
    cmd.arg("run")
        .arg(part(&parts, "app"))
        .arg("--plug")
        .arg(part(&parts, "c-lib"))
        .arg("--plug")
        .arg(part(&parts, "go-lib"));
    run(&mut cmd).fails().stderr_has(&[
        "`app` imports interface `conf:stale/py-part@0.1.0`, but no plug exports it",
        "add `--plug FILE.wasm`",
    ]);

    // Two libraries exporting the same interface: ambiguous, both named.
    let twin = project.path().join("c-lib-copy.wasm");
    std::fs::copy(part(&parts, "c-lib"), &twin).unwrap();
    let mut cmd = compose();
    cmd.arg("run").arg(part(&parts, "app"));
    for lib in [
        part(&parts, "c-lib"),
        twin,
        part(&parts, "go-lib"),
        part(&parts, "py-lib"),
    ] {
        cmd.arg("--plug").arg(lib);
    }
    run(&mut cmd).fails().stderr_has(&[
        "which several plugs export",
        "c-lib",
        "c-lib-copy",
        "give only one of them",
    ]);

    // --plug needs a file to plug into.
    let mut cmd = compose();
    cmd.args(["run", "--plug"]).arg(part(&parts, "c-lib"));
    let out = run(&mut cmd);
    assert_eq!(out.code, Some(2), "{out}");
}
