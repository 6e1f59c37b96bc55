use super::*;

fn wasi() -> Wasi {
    Wasi::new(compose_runtime::WASI_WIT).expect("the runtime's WASI reads")
}

/// What a Rust or Go library built for WASI imports, at version `v`.
fn imports(v: &str) -> Vec<String> {
    [
        "wasi:cli/environment",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:io/error",
        "wasi:io/streams",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:sockets/network",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
        "wasi:sockets/udp-create-socket",
        "wasi:sockets/ip-name-lookup",
        "wasi:clocks/monotonic-clock",
    ]
    .iter()
    .map(|i| format!("{i}@{v}"))
    .collect()
}

fn reach(grants: &Grants, imports: &[String], name: &str) -> Reach {
    Confining::new(grants, imports).unwrap().reach(name)
}

#[test]
fn nothing_granted_denies_what_reaches_host_data_and_hands_on_stdout() {
    let wasi = wasi();
    let imports = imports("0.2.3");
    let v = virtualize(
        &wasi,
        "lib",
        &imports,
        &Grants::default(),
        &Confining::new(&Grants::default(), &imports).unwrap(),
    )
    .unwrap()
    .expect("a library importing WASI gets a virtual component");
    assert!(v
        .provides
        .iter()
        .all(|(_, e)| e.ends_with(&format!("@{}", wasi.version()))));
    let g = Grants::default();
    for denied in [
        "wasi:cli/environment",
        "wasi:cli/stdin",
        "wasi:filesystem/preopens",
        "wasi:filesystem/types",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
        "wasi:sockets/ip-name-lookup",
    ] {
        assert_eq!(reach(&g, &imports, denied), Reach::Denied, "{denied}");
    }
    for forwarded in ["wasi:cli/stdout", "wasi:cli/stderr", "wasi:io/streams"] {
        assert_eq!(
            reach(&g, &imports, forwarded),
            Reach::Forwarded,
            "{forwarded}"
        );
    }
    for host in [
        "wasi:io/error",
        "wasi:sockets/network",
        "wasi:clocks/monotonic-clock",
    ] {
        assert_eq!(reach(&g, &imports, host), Reach::Host, "{host}");
    }
    let imported = crate::imports_of(&v.bytes).unwrap();
    for denied in [
        "wasi:cli/environment",
        "wasi:filesystem/preopens",
        "wasi:sockets/tcp-create-socket",
        "wasi:cli/stdin",
    ] {
        assert!(
            !imported.iter().any(|i| i.starts_with(denied)),
            "{denied} is denied, so not asked of the host: {imported:?}"
        );
    }
    assert!(imported.iter().any(|i| i.starts_with("wasi:cli/stdout")));
}

#[test]
fn narrowed_grants_call_the_hosts_interfaces() {
    let wasi = wasi();
    let grants = Grants {
        env: vec!["LANG".into()],
        dirs: vec![
            DirView {
                preopen: "/data".into(),
                sub: String::new(),
                read_only: false,
            },
            DirView {
                preopen: "/data".into(),
                sub: "reports/2026".into(),
                read_only: true,
            },
        ],
        net: false,
        stdin: true,
        ..Grants::default()
    };
    let imports = imports("0.2.12");
    let v = virtualize(
        &wasi,
        "lib",
        &imports,
        &grants,
        &Confining::new(&grants, &imports).unwrap(),
    )
    .unwrap()
    .unwrap();
    // Read-only is kept by wrapping the descriptors; the streams stay the host's.
    assert_eq!(
        reach(&grants, &imports, "wasi:filesystem/types"),
        Reach::Narrowed
    );
    assert_eq!(reach(&grants, &imports, "wasi:io/streams"), Reach::Host);
    let imported = crate::imports_of(&v.bytes).unwrap();
    for name in [
        "wasi:cli/environment",
        "wasi:filesystem/preopens",
        "wasi:filesystem/types",
    ] {
        assert!(imported.iter().any(|i| i.starts_with(name)), "{imported:?}");
    }
    assert_eq!(grants.dirs[1].seen_as(), "/data/reports/2026");
}

#[test]
fn streams_of_http_are_not_wrapped_so_stdout_cannot_be_denied_there() {
    let mut imports = imports("0.2.12");
    imports.push("wasi:http/types@0.2.12".into());
    // The default (no stdin) gives way: stdin stays the run's.
    assert_eq!(
        reach(&Grants::default(), &imports, "wasi:cli/stdin"),
        Reach::Host
    );
    let quiet = Grants {
        stdout: false,
        ..Grants::default()
    };
    let e = Confining::new(&quiet, &imports).unwrap_err();
    assert!(e.contains("wasi:http/types"), "{e}");
}

#[test]
fn a_component_importing_nothing_to_confine_gets_no_virtual_component() {
    let wasi = wasi();
    let only_clock = vec!["wasi:clocks/monotonic-clock@0.2.0".to_string()];
    assert!(virtualize(
        &wasi,
        "lib",
        &only_clock,
        &Grants::default(),
        &Confining::new(&Grants::default(), &only_clock).unwrap()
    )
    .unwrap()
    .is_none());
}

/// Granted names go into the module's data: more of them than one page of memory holds
/// (a single page was all the module had) still make a module that instantiates.
#[test]
fn grants_whose_names_pass_a_page_of_memory_still_instantiate() {
    let wasi = wasi();
    let long = |i: usize, what: &str| format!("{what}_{i}_{}", "x".repeat(480));
    let grants = Grants {
        env: (0..100).map(|i| long(i, "VAR")).collect(),
        dirs: (0..100)
            .map(|i| DirView {
                preopen: format!("/{}", long(i, "dir")),
                sub: long(i, "sub"),
                read_only: i % 2 == 0,
            })
            .collect(),
        ..Grants::default()
    };
    let imports = imports("0.2.12");
    let v = virtualize(
        &wasi,
        "lib",
        &imports,
        &grants,
        &Confining::new(&grants, &imports).unwrap(),
    )
    .unwrap()
    .unwrap();
    let limits = compose_runtime::Limits::default();
    let runtime = compose_runtime::Runtime::new(None, &limits).unwrap();
    let loaded = runtime.load("lib.wasi", &v.bytes).unwrap();
    let session = runtime
        .session(&loaded, &compose_runtime::Grants::default(), &limits, &[])
        .unwrap();
    session.instantiate().expect("its data fits its memory");
}
