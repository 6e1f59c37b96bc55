use super::*;

fn wasi() -> Wasi {
    Wasi::new(compose_runtime::WASI_WIT).expect("the runtime's WASI reads")
}

fn imports(v: &str) -> Vec<String> {
    [
        "wasi:cli/environment",
        "wasi:filesystem/preopens",
        "wasi:sockets/tcp-create-socket",
        "wasi:sockets/udp-create-socket",
        "wasi:sockets/ip-name-lookup",
        "wasi:cli/stdout",
    ]
    .iter()
    .map(|i| format!("{i}@{v}"))
    .collect()
}

#[test]
fn nothing_granted_denies_every_virtualized_interface_and_imports_nothing_it_stands_in_for() {
    let wasi = wasi();
    let v = virtualize(&wasi, "lib", &imports("0.2.3"), &Grants::default())
        .unwrap()
        .expect("a library importing WASI gets a virtual component");
    let provided: Vec<&str> = v.provides.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(provided.len(), 5, "{provided:?}");
    assert!(!provided.iter().any(|i| i.starts_with("wasi:cli/stdout")));
    assert!(v
        .provides
        .iter()
        .all(|(_, e)| e.ends_with(&format!("@{}", wasi.version()))));
    let imported = crate::imports_of(&v.bytes).unwrap();
    for name in VIRTUALIZED {
        assert!(
            !imported.iter().any(|i| i.starts_with(name)),
            "{name} is denied, so not asked of the host: {imported:?}"
        );
    }
    let exported = crate::exports_of(&v.bytes).unwrap();
    assert_eq!(exported.len(), 5, "{exported:?}");
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
            },
            DirView {
                preopen: "/data".into(),
                sub: "reports/2026".into(),
            },
        ],
        net: true,
    };
    let v = virtualize(&wasi, "lib", &imports("0.2.12"), &grants)
        .unwrap()
        .unwrap();
    assert_eq!(
        v.provides.len(),
        2,
        "sockets are the host's: {:?}",
        v.provides
    );
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
fn a_component_importing_nothing_to_confine_gets_no_virtual_component() {
    let wasi = wasi();
    let only_stdout = vec!["wasi:cli/stdout@0.2.0".to_string()];
    assert!(virtualize(&wasi, "lib", &only_stdout, &Grants::default())
        .unwrap()
        .is_none());
    let all = Grants {
        net: true,
        ..Default::default()
    };
    assert_eq!(
        all.reach("wasi:sockets/tcp-create-socket@0.2.0"),
        Reach::Host
    );
    assert_eq!(all.reach("wasi:cli/environment@0.2.0"), Reach::Denied);
}
