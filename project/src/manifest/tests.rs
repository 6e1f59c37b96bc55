use super::*;
use compose_runtime::NetRule;

fn project(toml: &str) -> (tempfile::TempDir, Result<Manifest, ProjectError>) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("wit")).unwrap();
    std::fs::create_dir_all(tmp.path().join("app")).unwrap();
    let path = tmp.path().join(FILE_NAME);
    std::fs::write(&path, toml).unwrap();
    let m = Manifest::load(&path);
    (tmp, m)
}

const GOOD: &str = "[project]\nname = \"p\"\n\n[components.app]\nlanguage = \"rust\"\npath = \"app\"\nworld = \"app\"\n";

#[test]
fn good_manifest_loads_with_defaults() {
    let (_t, m) = project(GOOD);
    let m = m.unwrap();
    assert_eq!(m.name, "p");
    assert_eq!(m.root().unwrap(), "app");
    assert_eq!(m.components[0].language(), Language::Rust);
    assert!(m.wit_dir.ends_with("wit"));
}

/// The error's message and its help.
fn err(toml: &str) -> String {
    let (_t, m) = project(toml);
    let e = m.unwrap_err();
    let help = miette::Diagnostic::help(&e)
        .map(|h| h.to_string())
        .unwrap_or_default();
    format!("{e}\nhelp: {help}")
}

#[test]
fn unknown_key_names_the_line() {
    let e = err(&format!("{GOOD}colour = \"blue\"\n"));
    assert!(
        e.contains("compose.toml:8:") && e.contains("unknown field `colour`"),
        "{e}"
    );
}

#[test]
fn unknown_language_names_the_line() {
    let e = err(&GOOD.replace("\"rust\"", "\"cobol\""));
    assert!(
        e.contains("compose.toml:5:") && e.contains("unknown language `cobol`"),
        "{e}"
    );
}

#[test]
fn missing_path_names_the_line() {
    let e = err(&GOOD.replace("path = \"app\"", "path = \"nope\""));
    assert!(
        e.contains("compose.toml:6:") && e.contains("does not exist"),
        "{e}"
    );
}

#[test]
fn root_must_be_a_component() {
    let e = err(&format!("{GOOD}\n[compose]\nroot = \"ghost\"\n"));
    assert!(e.contains("root `ghost` is not a component"), "{e}");
}

#[test]
fn a_project_without_components_loads_but_has_no_root() {
    let (_t, m) = project("[project]\nname = \"p\"\n");
    let e = m.unwrap().root().unwrap_err().to_string();
    assert!(
        e.contains("compose.toml:2: compose.toml declares no component"),
        "{e}"
    );
}

#[test]
fn several_components_need_a_root() {
    let second = GOOD
        .replace("[project]\nname = \"p\"\n", "")
        .replace("components.app", "components.other");
    let (_t, m) = project(&format!("{GOOD}{second}"));
    let e = m.unwrap().root().unwrap_err().to_string();
    assert!(
        e.contains("several components and no `[compose] root`"),
        "{e}"
    );
}

#[test]
fn registry_components_need_no_folder_but_a_valid_package() {
    let (_t, m) = project(&format!(
        "{GOOD}\n[components.codec]\nregistry = \"demo:rle@0.1\"\nworld = \"codec\"\n\n[compose]\nroot = \"app\"\n"
    ));
    let m = m.unwrap();
    let codec = m.component("codec").unwrap();
    assert_eq!(codec.registry(), Some("demo:rle@0.1"));
    assert_eq!(codec.language(), Language::Wasm);

    let e = err(&format!(
        "{GOOD}\n[components.codec]\nregistry = \"demo:rle@0.1\"\npath = \"app\"\nworld = \"codec\"\n"
    ));
    assert!(e.contains("has both `path` and `registry`"), "{e}");
    let e = err(&format!(
        "{GOOD}\n[components.codec]\nregistry = \"demo:rle@0.1\"\nlanguage = \"go\"\nworld = \"codec\"\n"
    ));
    assert!(
        e.contains("comes from a registry, so it is already built"),
        "{e}"
    );
    let e = err(&format!(
        "{GOOD}\n[components.codec]\nregistry = \"rle\"\nworld = \"codec\"\n"
    ));
    assert!(
        e.contains("compose.toml:10:") && e.contains("`rle` is not a valid reference"),
        "{e}"
    );
    let e = err(&format!("{GOOD}\n[components.codec]\nworld = \"codec\"\n"));
    assert!(e.contains("component `codec` has no `language`"), "{e}");
}

#[test]
fn run_table_takes_grants_and_limits() {
    let (_t, m) = project(&format!(
        "{GOOD}\n[run]\nallow-net = [\"127.0.0.1:8080\"]\nallow-name-lookup = true\nmax-memory = \"64MiB\"\ntimeout = \"2s\"\nfuel = 5\n"
    ));
    let m = m.unwrap();
    assert_eq!(
        m.run.network,
        vec![NetRule::parse("127.0.0.1:8080").unwrap()]
    );
    assert!(m.run.name_lookup);
    assert_eq!(m.run.limits.max_memory, Some(64 << 20));
    assert_eq!(
        m.run.limits.timeout,
        Some(std::time::Duration::from_secs(2))
    );
    assert_eq!(m.run.limits.fuel, Some(5));
    let e = err(&format!("{GOOD}\n[run]\ntimeout = \"soon\"\n"));
    assert!(
        e.contains("compose.toml:10:") && e.contains("[run] timeout"),
        "{e}"
    );
}

#[test]
fn broken_toml_is_an_error_not_a_panic() {
    let e = err("[project\nname=");
    assert!(e.contains("invalid compose.toml"), "{e}");
}

#[test]
fn names_that_would_become_paths_are_refused_at_their_line() {
    let e = err(&GOOD.replace("name = \"p\"", "name = \"../../elsewhere\""));
    assert!(
        e.contains("compose.toml:2:") && e.contains("cannot name a project"),
        "{e}"
    );
    let e = err(&GOOD.replace("name = \"p\"", "name = \"/tmp/x\""));
    assert!(e.contains("cannot name a project"), "{e}");
    let e = err(&GOOD.replace("[components.app]", "[components.\"../../x\"]"));
    assert!(
        e.contains("compose.toml:4:") && e.contains("cannot name a component"),
        "{e}"
    );
    let e = err(&GOOD.replace("[components.app]", "[components.App_1]"));
    assert!(e.contains("e.g. `app-1`"), "{e}");
}

#[test]
fn wiring_for_all_importers_and_for_one() {
    let two = format!(
        "{GOOD}\n[components.lib]\nlanguage = \"rust\"\npath = \"app\"\nworld = \"lib\"\n\n[compose]\nroot = \"app\"\n\n[compose.wire]\n\"x:y/z\" = \"lib\"\n\n[compose.wire.lib]\n\"x:y/z\" = \"app\"\n"
    );
    let (_t, m) = project(&two);
    let m = m.unwrap();
    assert_eq!(m.wiring.provider("app", "x:y/z"), Some("lib"));
    assert_eq!(m.wiring.provider("lib", "x:y/z"), Some("app"));
    assert!(m.wire_span(Some("lib"), "x:y/z").is_some());
    let e = err(&two.replace("[compose.wire.lib]", "[compose.wire.ghost]"));
    assert!(
        e.contains("`ghost` is not a component of this project"),
        "{e}"
    );
    let e = err(&two.replace("\"x:y/z\" = \"lib\"", "\"x:y/z\" = \"nobody\""));
    assert!(e.contains("`nobody` is not a component"), "{e}");
}

#[test]
fn binding_options_are_checked_per_language() {
    let c = GOOD.replace("\"rust\"", "\"c\"");
    let (_t, m) = project(&format!(
        "{c}bindings = {{ string-encoding = \"utf16\", no-sig-flattening = true }}\n"
    ));
    let m = m.unwrap();
    assert_eq!(
        m.components[0].bindings.string_encoding,
        compose_toolchains::StringEncoding::Utf16
    );
    assert!(m.components[0].bindings.no_sig_flattening);
    let e = err(&format!(
        "{c}bindings = {{ string-encoding = \"ebcdic\" }}\n"
    ));
    assert!(e.contains("unknown string encoding `ebcdic`"), "{e}");
    let e = err(&format!("{GOOD}bindings = {{ with = \"x\" }}\n"));
    assert!(
        e.contains("not a rust bindings option") && e.contains("generate!"),
        "{e}"
    );
}

#[test]
fn bad_grants_and_limits_in_run_are_errors() {
    for (line, needle) in [
        ("allow-net = [\"\"]", "empty address rule"),
        ("dirs = [\"x::/g:RW\"]", "unknown mode `RW`"),
        ("env = [\"=2\"]", "has no name"),
        ("timeout = \"99999999999999999s\"", "[run] timeout"),
        ("timeout = \"0ns\"", "more than zero"),
    ] {
        let e = err(&format!("{GOOD}\n[run]\n{line}\n"));
        assert!(
            e.contains(needle) && e.contains("compose.toml:10:"),
            "{line}: {e}"
        );
    }
}

/// An app using a library, with `[run]` granting a directory, a variable and the network.
fn with_lib(grants: &str) -> String {
    format!(
        "[project]\nname = \"p\"\n\n[components.app]\nlanguage = \"rust\"\npath = \"app\"\nworld = \"app\"\n\n[components.lib]\nlanguage = \"rust\"\npath = \"app\"\nworld = \"lib\"\n{grants}\n[compose]\nroot = \"app\"\n\n[run]\ndirs = [\"app::/data\", \"wit::/wit:rw\"]\nenv = [\"LANG\"]\nallow-net = [\"127.0.0.1\"]\n"
    )
}

#[test]
fn grants_are_checked_against_the_run_and_kept_for_the_linker() {
    let (_t, m) = project(&with_lib(
        "grants = { dirs = [\"/data/sub/inner:ro\", \"/wit\"], env = [\"LANG\"], net = true, http = [\"API.example.com\", \"127.0.0.1:8081\"] }\n",
    ));
    let m = m.unwrap();
    let grants = &m.grants()["lib"];
    assert_eq!(
        grants.dirs,
        vec![
            compose_linker::DirView {
                preopen: "/data".into(),
                sub: "sub/inner".into(),
                read_only: true,
            },
            compose_linker::DirView {
                preopen: "/wit".into(),
                sub: String::new(),
                read_only: false,
            }
        ]
    );
    assert_eq!(grants.env, vec!["LANG".to_string()]);
    assert!(grants.net);
    assert_eq!(
        grants.http,
        vec![
            compose_linker::HttpHost {
                host: "api.example.com".into(),
                port: None,
            },
            compose_linker::HttpHost {
                host: "127.0.0.1".into(),
                port: Some(8081),
            }
        ]
    );
    // Not granted: nothing.
    assert_eq!(m.grants()["app"], compose_linker::Grants::default());
    let lib = crate::ops::capabilities(&m).unwrap();
    assert!(lib[0].root, "the root first");
    assert_eq!(
        lib[1].describe(),
        "directories /data/sub/inner (read-only), /wit; environment LANG; the network; outgoing HTTP to api.example.com, 127.0.0.1:8081; stdout, stderr; clocks and random"
    );
}

#[test]
fn a_grant_the_run_does_not_have_is_an_error_at_its_line() {
    let e = err(&with_lib("grants = { dirs = [\"/etc\"] }\n"));
    assert!(
        e.contains("compose.toml:13:") && e.contains("`/etc` is not a directory the run grants"),
        "{e}"
    );
    assert!(e.contains("grants: /data, /wit"), "{e}");
    let e = err(&with_lib("grants = { env = [\"HOME\"] }\n"));
    assert!(
        e.contains("compose.toml:13:") && e.contains("`HOME`, which the run does not grant"),
        "{e}"
    );
    let e = err(&with_lib("grants = { dirs = [\"/data/../etc\"] }\n"));
    assert!(e.contains("without `.`, `..`"), "{e}");
    let e = err(&with_lib("grants = { stdio = \"stderr\" }\n"));
    assert!(e.contains("unknown field `stdio`"), "{e}");
    let no_net = with_lib("grants = { net = true }\n").replace("allow-net = [\"127.0.0.1\"]\n", "");
    assert!(err(&no_net).contains("the network, which the run does not grant"));
}

#[test]
fn the_root_gets_what_the_run_grants_and_takes_no_grants() {
    let toml = with_lib("").replace(
        "world = \"app\"\n",
        "world = \"app\"\ngrants = { env = [\"LANG\"] }\n",
    );
    let e = err(&toml);
    assert!(
        e.contains("compose.toml:8:") && e.contains("`app` is the root"),
        "{e}"
    );
}
