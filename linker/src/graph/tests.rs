use super::*;
use crate::test_support::component;
use crate::{Composition, Wiring};

/// app → a → b, app → b, with WASI from the host for app and b.
fn composed() -> Vec<u8> {
    let mut c = Composition::new();
    c.add(
        "app",
        component(
            &["demo:x/a", "demo:x/b", "wasi:cli/stdout@0.2.0"],
            &["demo:x/run"],
        ),
    )
    .unwrap();
    c.add("lib-a", component(&["demo:x/b"], &["demo:x/a"]))
        .unwrap();
    c.add(
        "lib-b",
        component(
            &["wasi:cli/environment@0.2.0", "wasi:io/streams@0.2.0"],
            &["demo:x/b"],
        ),
    )
    .unwrap();
    c.plan("app", &Wiring::default()).unwrap();
    c.encode().unwrap()
}

fn edge(importer: &str, exporter: &str, interface: &str) -> Edge {
    Edge {
        importer: importer.into(),
        exporter: exporter.into(),
        interface: interface.into(),
        confined: None,
    }
}

#[test]
fn a_composed_file_reads_back_as_named_nodes_links_and_host_imports() {
    let graph = Graph::read(&composed()).unwrap();
    let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["lib-b", "lib-a", "app"]);
    assert_eq!(graph.root().unwrap().name, "app");
    assert_eq!(graph.nodes.iter().filter(|n| n.root).count(), 1);
    let mut edges = graph.edges.clone();
    edges.sort_by(|x, y| (&x.importer, &x.interface).cmp(&(&y.importer, &y.interface)));
    assert_eq!(
        edges,
        [
            edge("app", "lib-a", "demo:x/a"),
            edge("app", "lib-b", "demo:x/b"),
            edge("lib-a", "lib-b", "demo:x/b"),
        ]
    );
    assert_eq!(graph.node("app").unwrap().host, ["wasi:cli/stdout@0.2.0"]);
    assert!(graph.node("lib-a").unwrap().host.is_empty());
    assert_eq!(
        graph.node("lib-b").unwrap().host_groups(),
        [
            ("wasi:cli".to_string(), vec!["environment".to_string()]),
            ("wasi:io".to_string(), vec!["streams".to_string()]),
        ]
    );
    assert_eq!(graph.exports, ["demo:x/run"]);
    let mut imports = graph.imports.clone();
    imports.sort();
    assert_eq!(
        imports,
        [
            "wasi:cli/environment@0.2.0",
            "wasi:cli/stdout@0.2.0",
            "wasi:io/streams@0.2.0"
        ]
    );
    for node in &graph.nodes {
        assert!(node.size > 0, "{node:?}");
        assert_eq!(node.pieces.len(), 1, "{node:?}");
    }
}

#[test]
fn instances_without_names_are_numbered_and_nothing_is_a_panic() {
    let wat = r#"(component
        (component $lib (core module $m (func (export "f")))
            (core instance $i (instantiate $m))
            (func $f (canon lift (core func $i "f")))
            (instance $e (export "f" (func $f)))
            (export "demo:x/i" (instance $e)))
        (component $app (import "demo:x/i" (instance (export "f" (func))))
            (core module $n (func (export "g"))))
        (component $wrapper)
        (instance $w (instantiate $wrapper))
        (instance $l (instantiate $lib))
        (instance $a (instantiate $app (with "demo:x/i" (instance $l "demo:x/i")))))"#;
    let graph = Graph::read(&without_names(&::wat::parse_str(wat).unwrap())).unwrap();
    assert_eq!(graph.nodes.len(), 2);
    // The wrapper without code (instantiated first) is no node; numbers count instances.
    assert_eq!(
        graph.edges,
        [edge("component-2", "component-1", "demo:x/i")]
    );
    assert_eq!(graph.root().unwrap().name, "component-2");

    assert!(Graph::read(b"not wasm").is_err());
    let mut truncated = composed();
    truncated.truncate(truncated.len() / 2);
    assert!(Graph::read(&truncated).is_err());
}

#[test]
fn dot_and_svg_draw_every_component_and_link() {
    let mut graph = Graph::read(&composed()).unwrap();
    graph.describe("app", "rust", "app");
    graph.describe("lib-b", "go", "lib \"b\" <x>");
    let dot = graph.dot("demo");
    assert!(dot.starts_with("digraph \"demo\" {"));
    assert!(
        dot.contains("\"app\" -> \"lib-a\" [label=\"demo:x/a\"];"),
        "{dot}"
    );
    assert!(dot.contains("\"lib-a\" -> \"lib-b\" [label=\"demo:x/b\"];"));
    assert!(dot.contains("\"app\" [label=\"app (root)\\nrust · world app\\n"));
    assert!(dot.contains("world lib \\\"b\\\" <x>"), "{dot}");
    assert!(dot.contains("\"lib-b\" -> \"(host)\" [style=dashed, label=\"wasi:cli, wasi:io\"];"));

    let svg = graph.svg("demo <composition>");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(svg.matches("<g class=\"component\"").count(), 3);
    assert_eq!(svg.matches("<g class=\"link\"").count(), 3);
    assert_eq!(svg.matches("<g class=\"host-link\"").count(), 2);
    assert!(svg.contains("data-root=\"true\""));
    assert!(svg.contains("demo &lt;composition&gt;"));
    assert!(svg.contains("world lib &quot;b&quot; &lt;x&gt;"));
    assert!(svg.contains("wasi:cli: environment, stdout"));
    assert!(!svg.contains("NaN"));
}

#[test]
fn sizes_read_like_a_person_would_write_them() {
    assert_eq!(human_size(96), "96 B");
    assert_eq!(human_size(2048), "2.0 KiB");
    assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
}

/// The component without its own `component-name` section (WAT names every `$id`).
fn without_names(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes[..8].to_vec();
    let mut at = 8;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let (mut size, mut shift) = (0usize, 0);
        loop {
            let b = bytes[at];
            at += 1;
            size |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b < 0x80 {
                break;
            }
        }
        let body = &bytes[at..at + size];
        at += size;
        let named = id == 0 && body.get(1..1 + usize::from(body[0])) == Some(b"component-name");
        if !named {
            out.extend_from_slice(&bytes[start..at]);
        }
    }
    out
}

#[test]
fn a_graph_of_nothing_is_still_a_picture() {
    let svg = Graph::default().svg("lone");
    let size = |attribute: &str| -> f64 {
        let at = svg.find(&format!(" {attribute}=\"")).unwrap() + attribute.len() + 3;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    assert!(size("width") > 0.0 && size("height") > 0.0, "{svg}");
    assert_eq!(svg.matches("<g class=\"component\"").count(), 0);
    assert!(Graph::default().dot("lone").ends_with("}\n"));
}
