use std::collections::BTreeMap;

use super::*;
use crate::test_support::component;
use crate::Host;

fn composition(list: &[(&str, &[&str], &[&str])]) -> Composition {
    let mut c = Composition::new();
    for (name, imports, exports) in list {
        c.add(name, component(imports, exports)).unwrap();
    }
    c
}

fn wire(all: &[(&str, &str)], per: &[(&str, &str, &str)]) -> Wiring {
    let mut w = Wiring {
        all: all
            .iter()
            .map(|(i, p)| (i.to_string(), p.to_string()))
            .collect(),
        per_importer: BTreeMap::new(),
    };
    for (importer, import, provider) in per {
        w.per_importer
            .entry(importer.to_string())
            .or_default()
            .insert(import.to_string(), provider.to_string());
    }
    w
}

fn names(parts: Vec<&Part>) -> Vec<&str> {
    parts.into_iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn root_import_is_wired_to_its_exporter() {
    let mut c = composition(&[("app", &["demo:x/i"], &[]), ("lib", &[], &["demo:x/i"])]);
    c.plan("app", &Wiring::default()).unwrap();
    assert_eq!(names(c.planned()), vec!["lib", "app"]);
    assert_eq!(
        c.links(),
        &[Link {
            importer: "app".into(),
            import: "demo:x/i".into(),
            exporter: "lib".into(),
            class: ItemClass::Interface,
            export: None,
            interface: None,
        }]
    );
    let bytes = c.encode().unwrap();
    assert!(crate::imports_of(&bytes).unwrap().is_empty());
}

#[test]
fn two_exporters_are_ambiguous_until_wired() {
    let mut c = composition(&[
        ("app", &["demo:x/i"], &[]),
        ("a", &[], &["demo:x/i"]),
        ("b", &[], &["demo:x/i"]),
    ]);
    let err = c.plan("app", &Wiring::default()).unwrap_err().to_string();
    assert!(err.contains("several components export: a, b"), "{err}");
    c.plan("app", &wire(&[("demo:x/i", "b")], &[])).unwrap();
    assert_eq!(names(c.planned()), vec!["b", "app"]);
}

#[test]
fn middleware_imports_and_exports_the_same_interface() {
    let parts: &[(&str, &[&str], &[&str])] = &[
        ("app", &["demo:x/i"], &[]),
        ("middle", &["demo:x/i"], &["demo:x/i"]),
        ("leaf", &[], &["demo:x/i"]),
    ];
    // The general form: every importer but `middle` itself gets `middle`; `middle` gets the
    // one other exporter.
    let mut c = composition(parts);
    c.plan("app", &wire(&[("demo:x/i", "middle")], &[]))
        .unwrap();
    assert_eq!(names(c.planned()), vec!["leaf", "middle", "app"]);
    c.encode().unwrap();
    // Per importer.
    let mut c = composition(parts);
    c.plan(
        "app",
        &wire(&[("demo:x/i", "middle")], &[("middle", "demo:x/i", "leaf")]),
    )
    .unwrap();
    assert_eq!(c.links().len(), 2);
    // Wired to itself, it is a cycle.
    let err = composition(parts)
        .plan(
            "app",
            &wire(
                &[],
                &[
                    ("app", "demo:x/i", "middle"),
                    ("middle", "demo:x/i", "middle"),
                ],
            ),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("middle -> middle"), "{err}");
}

#[test]
fn wiring_that_names_nothing_real_is_refused() {
    let parts: &[(&str, &[&str], &[&str])] =
        &[("app", &["demo:x/i"], &[]), ("lib", &[], &["demo:x/j"])];
    let err = |w: Wiring| composition(parts).plan("app", &w).unwrap_err().to_string();
    assert!(err(wire(&[("demo:x/i", "lib")], &[]))
        .contains("`lib` does not export it (it exports: demo:x/j)"));
    assert!(err(wire(&[("demo:x/i", "ghost")], &[])).contains("`ghost` is not one of"));
    assert!(err(wire(&[("demo:x/zzz", "lib")], &[])).contains("no component imports it"));
    assert!(err(wire(&[], &[("lib", "demo:x/i", "lib")])).contains("`lib` does not import it"));
}

#[test]
fn cycles_are_reported() {
    let mut c = composition(&[
        ("a", &["demo:x/j"], &["demo:x/i"]),
        ("b", &["demo:x/i"], &["demo:x/j"]),
    ]);
    let err = c.plan("a", &Wiring::default()).unwrap_err().to_string();
    assert!(err.contains("a -> b -> a"), "{err}");
}

#[test]
fn unmatched_imports_are_left_for_the_host_and_checked() {
    let mut c = composition(&[("app", &["wasi:cli/stdout@0.2.0", "demo:x/k"], &[])]);
    c.plan("app", &Wiring::default()).unwrap();
    assert!(c.links().is_empty());
    assert_eq!(c.unlinked().len(), 2);
    let err = c.check_host(&Host::default()).unwrap_err().to_string();
    assert!(err.contains("imports interface `demo:x/k`"), "{err}");
    let host = Host {
        wasi: Some((0, 2, 12)),
        wasi_next: None,
        provides: vec!["demo:x/k".into()],
    };
    c.check_host(&host).unwrap();
    let newer = Host {
        wasi: Some((0, 2, 0)),
        wasi_next: None,
        ..host
    };
    c.check_host(&newer).unwrap();
    assert!(composition(&[("app", &[], &[])])
        .plan("nope", &Wiring::default())
        .is_err());
}

#[test]
fn world_functions_link_like_interfaces() {
    let app = ::wat::parse_str(
        r#"(component (import "next" (func $n (result u32))) (export "next-too" (func $n)))"#,
    )
    .unwrap();
    let lib = ::wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (export "next" (func $f)))"#,
    )
    .unwrap();
    let mut c = Composition::new();
    c.add("app", app).unwrap();
    c.add("lib", lib).unwrap();
    c.plan("app", &Wiring::default()).unwrap();
    assert_eq!(c.links()[0].class, ItemClass::Function);
    let bytes = c.encode().unwrap();
    assert!(crate::imports_of(&bytes).unwrap().is_empty());
}

#[test]
fn interfaces_of_types_only_are_left_to_the_host() {
    let app = ::wat::parse_str(
        r#"(component
            (type $p (record (field "x" s32)))
            (import "demo:x/types" (instance $t (export "point" (type (eq $p)))))
        )"#,
    )
    .unwrap();
    let mut c = Composition::new();
    c.add("app", app).unwrap();
    assert_eq!(c.parts()[0].imports[0].class, ItemClass::TypesOnly);
    c.plan("app", &Wiring::default()).unwrap();
    c.check_host(&Host::default()).unwrap();
}

#[test]
fn a_type_mismatch_names_both_sides() {
    let app = ::wat::parse_str(
        r#"(component (import "demo:x/i" (instance (export "f" (func (param "a" u32))))))"#,
    )
    .unwrap();
    let mut c = Composition::new();
    c.add("app", app).unwrap();
    c.add("lib", component(&[], &["demo:x/i"])).unwrap();
    c.plan("app", &Wiring::default()).unwrap();
    let err = c.encode().unwrap_err();
    assert!(matches!(err, LinkError::Mismatch { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("`app` imports `demo:x/i` from `lib`"),
        "{text}"
    );
}

#[test]
fn grants_compose_cannot_enforce_are_the_components_error_and_the_root_is_never_confined() {
    let mut c = composition(&[
        ("app", &["demo:x/i", "wasi:cli/stdout@0.2.12"], &[]),
        (
            "lib",
            &["wasi:http/types@0.2.12", "wasi:cli/stdout@0.2.12"],
            &["demo:x/i"],
        ),
    ]);
    c.plan("app", &Wiring::default()).unwrap();
    let wasi = crate::Wasi::new(compose_runtime::WASI_WIT).unwrap();
    let quiet = crate::Grants {
        stdout: false,
        ..Default::default()
    };
    let e = c
        .confine(&wasi, &BTreeMap::from([("lib".to_string(), quiet)]))
        .unwrap_err();
    assert!(
        matches!(&e, LinkError::Ungrantable { component, reason }
            if component == "lib" && reason.contains("wasi:http/types")),
        "{e}"
    );
    // Denying the root's stdout is not the library's business: the root is not confined.
    let root_only = crate::Grants {
        stdout: false,
        ..Default::default()
    };
    let mut c = composition(&[("app", &["wasi:cli/stdout@0.2.12"], &[])]);
    c.plan("app", &Wiring::default()).unwrap();
    let report = c
        .confine(&wasi, &BTreeMap::from([("app".to_string(), root_only)]))
        .unwrap();
    assert!(report.is_empty(), "{report:?}");
}

/// A component of `world` in `wit` (with the runtime's WASI as its dependencies), every
/// function of it trapping.
fn from_wit(wit: &str, world: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deps")).unwrap();
    for (name, text) in compose_runtime::WASI_WIT {
        std::fs::write(dir.path().join("deps").join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("world.wit"), wit).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(dir.path()).unwrap();
    let world = resolve.select_world(&[package], Some(world)).unwrap();
    let mut module =
        wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

#[test]
fn a_host_descriptor_passed_to_a_confined_library_names_its_virtual_file_system() {
    let wit = r#"package demo:files;
interface reader {
    use wasi:filesystem/types@0.2.12.{descriptor};
    size-of: func(file: borrow<descriptor>) -> u64;
}
world lib {
    import wasi:cli/stdin@0.2.12;
    export reader;
}
world app {
    import wasi:filesystem/preopens@0.2.12;
    import reader;
}
"#;
    let mut c = Composition::new();
    c.add("app", from_wit(wit, "app")).unwrap();
    c.add("lib", from_wit(wit, "lib")).unwrap();
    c.plan("app", &Wiring::default()).unwrap();
    let wasi = crate::Wasi::new(compose_runtime::WASI_WIT).unwrap();
    // Nothing granted: the library's stdin is denied, so its streams and descriptors are
    // its virtual WASI's.
    c.confine(&wasi, &BTreeMap::new()).unwrap();
    let err = c.encode().unwrap_err();
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
    let text = format!("{err}\n{}", help.unwrap_or_default());
    for said in [
        "passes the host's `descriptor` (wasi:filesystem/types)",
        "`lib`'s wasi:filesystem/types is virtual",
        "pass data instead of the handle",
    ] {
        assert!(text.contains(said), "lacks {said:?}:\n{text}");
    }
    assert!(!text.contains("ResourceId"), "{text}");
}

/// Worlds with a resource of floats, a middle component that imports and exports its
/// interface, and functions of worlds over the resource (`use meter.{gauge}` at the level of
/// the world, which makes the type itself an import).
const FLOATS: &str = r#"package demo:floats;
interface meter {
    resource gauge {
        constructor(start: f64);
        read: func() -> f64;
        merge: static func(a: gauge, b: gauge) -> gauge;
    }
}
world store { export meter; }
world doubler {
    use meter.{gauge};
    export double: func(g: gauge) -> gauge;
}
world scaler {
    import meter;
    export meter;
    use meter.{gauge};
    import double: func(g: gauge) -> gauge;
    export halve: func(g: gauge) -> gauge;
}
world app { import meter; }
"#;

#[test]
fn a_type_of_the_world_goes_with_its_interface_and_the_one_acyclic_chain_is_inferred() {
    let mut c = Composition::new();
    for (name, world) in [
        ("app", "app"),
        ("doubler", "doubler"),
        ("scaler", "scaler"),
        ("store", "store"),
    ] {
        c.add(name, from_wit(FLOATS, world)).unwrap();
    }
    let scaler = c.part("scaler").unwrap();
    let gauge = scaler.imports.iter().find(|i| i.name == "gauge").unwrap();
    assert_eq!(gauge.class, ItemClass::Type);
    assert_eq!(
        gauge
            .of
            .as_ref()
            .map(|o| (o.interface.as_str(), o.name.as_str())),
        Some(("demo:floats/meter", "gauge"))
    );
    // Two components export the meter; only one assignment uses all four without a cycle.
    c.plan("app", &Wiring::default()).unwrap();
    let links: Vec<(&str, &str, &str)> = c
        .links()
        .iter()
        .map(|l| (l.importer.as_str(), l.import.as_str(), l.exporter.as_str()))
        .collect();
    for link in [
        ("app", "demo:floats/meter", "scaler"),
        ("scaler", "demo:floats/meter", "store"),
        ("scaler", "double", "doubler"),
        ("scaler", "gauge", "store"),
        ("doubler", "demo:floats/meter", "store"),
        ("doubler", "gauge", "store"),
    ] {
        assert!(links.contains(&link), "{link:?} not in {links:?}");
    }
    let inferred: Vec<(&str, &str)> = c
        .inferred()
        .iter()
        .map(|i| (i.importer.as_str(), i.provider.as_str()))
        .collect();
    assert_eq!(inferred, [("app", "scaler"), ("doubler", "store")]);
    let bytes = c.encode().expect("the types link");
    assert!(crate::imports_of(&bytes).unwrap().is_empty());

    // A wire line for the type is accepted, and says the same.
    let mut wired = Composition::new();
    for (name, world) in [
        ("app", "app"),
        ("doubler", "doubler"),
        ("scaler", "scaler"),
        ("store", "store"),
    ] {
        wired.add(name, from_wit(FLOATS, world)).unwrap();
    }
    let wiring = wire(
        &[],
        &[
            ("scaler", "gauge", "store"),
            ("app", "demo:floats/meter", "scaler"),
        ],
    );
    wired.plan("app", &wiring).unwrap();
    wired.encode().expect("wired the same");
}

#[test]
fn a_chain_with_two_answers_is_still_refused_with_its_candidates() {
    let mut c = Composition::new();
    // Two middles: app > a > b > leaf and app > b > a > leaf both use everything.
    c.add("app", component(&["demo:x/i"], &[])).unwrap();
    c.add("a", component(&["demo:x/i"], &["demo:x/i"])).unwrap();
    c.add("b", component(&["demo:x/i"], &["demo:x/i"])).unwrap();
    c.add("leaf", component(&[], &["demo:x/i"])).unwrap();
    let err = c.plan("app", &Wiring::default()).unwrap_err();
    assert!(
        matches!(&err, LinkError::Ambiguous { importer, providers, .. } if importer == "app" && providers == "a, b"),
        "{err}"
    );
    // One middle: the chain is inferred.
    let mut c = Composition::new();
    c.add("app", component(&["demo:x/i"], &[])).unwrap();
    c.add("middle", component(&["demo:x/i"], &["demo:x/i"]))
        .unwrap();
    c.add("leaf", component(&[], &["demo:x/i"])).unwrap();
    c.plan("app", &Wiring::default()).unwrap();
    assert_eq!(names(c.planned()), vec!["leaf", "middle", "app"]);
    assert_eq!(c.inferred().len(), 1);
}

#[test]
fn a_wac_script_wires_the_floats_and_a_broken_one_points_into_the_script() {
    let add_all = || {
        let mut c = Composition::new();
        for (name, world) in [
            ("app", "app"),
            ("doubler", "doubler"),
            ("scaler", "scaler"),
            ("store", "store"),
        ] {
            c.add(name, from_wit(FLOATS, world)).unwrap();
        }
        c
    };
    let script = r#"package demo:composed;

let store = new demo:store { ... };
let doubler = new demo:doubler { meter: store.meter, gauge: store.meter.gauge, ... };
let scaler = new demo:scaler {
    meter: store.meter,
    gauge: store.meter.gauge,
    double: doubler.double,
    ...
};
let app = new demo:app { meter: scaler.meter, ... };
"#
    .replace("meter:", "\"demo:floats/meter\":")
    .replace(".meter", "[\"demo:floats/meter\"]");
    let mut c = add_all();
    let wired =
        crate::wac::wiring("compose.wac", &script, &c, Some("app")).expect("the script resolves");
    assert_eq!(wired.root, "app");
    let type_link = wired
        .links
        .iter()
        .find(|l| l.importer == "scaler" && l.import == "gauge")
        .expect("the type is linked");
    assert_eq!(type_link.exporter, "store");
    assert_eq!(type_link.interface.as_deref(), Some("demo:floats/meter"));
    c.plan_links(&wired.root, wired.links).unwrap();
    assert_eq!(
        names(c.planned()),
        vec!["store", "doubler", "scaler", "app"]
    );
    c.encode().expect("the script's wiring encodes");

    // A component the project lacks, at its place in the script.
    let c = add_all();
    let err = crate::wac::wiring(
        "compose.wac",
        "package x:y;\nlet a = new demo:nobody { ... };\nexport a...;\n",
        &c,
        None,
    )
    .unwrap_err();
    assert!(
        err.message.contains("`demo:nobody` names no component"),
        "{err}"
    );
    assert_eq!(err.labels.len(), 1);
    assert_eq!(err.labels[0].offset(), "package x:y;\nlet a = new ".len());
    // A syntax error, said by wac, at its place.
    let err = crate::wac::wiring("compose.wac", "package x:y;\nlet = ;\n", &c, None).unwrap_err();
    assert!(!err.labels.is_empty(), "{err:?}");
}
