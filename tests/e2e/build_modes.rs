//! How builds are made: profiles with the same meaning in every compiler, builds of one
//! project at once, options for a language's bindings generator.

use std::path::PathBuf;

use crate::support::*;

/// A new C project (`compose new`), in its own temporary folder.
fn new_c_project(name: &str) -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let mut cmd = compose();
    cmd.args(["new", name, "--lang", "c", "--path"])
        .arg(parent.path());
    run(&mut cmd).ok();
    let dir = parent.path().join(name);
    (parent, dir)
}

#[test]
fn asserts_live_in_dev_and_are_compiled_out_in_release() {
    let (_parent, dir) = new_c_project("asserting");
    edit(
        &dir.join("greeter/greeter.c"),
        "#include <stdlib.h>",
        "#include <stdlib.h>\n#include <assert.h>",
    );
    edit(
        &dir.join("greeter/greeter.c"),
        "    const char *format",
        "    assert(name->len > 100 && \"names are long\");\n    const char *format",
    );
    // Dev (the default): the assertion fails the run, naming itself.
    let dev = compose_in(&dir, &["run", "--", "Ada"]);
    assert_eq!(dev.code, Some(120), "{dev}");
    assert!(dev.stderr.contains("names are long"), "{dev}");
    // Release: NDEBUG, whichever compiler builds it; the answer is given.
    let release = compose_in(&dir, &["run", "--release", "--", "Ada"]).ok();
    assert!(release.stdout.contains("Hello, Ada"), "{release}");
    assert!(dir.join("target/compose/release/asserting.wasm").is_file());
    assert!(dir.join("target/compose/dev/asserting.wasm").is_file());
}

#[test]
fn two_builds_of_one_project_at_once_both_succeed() {
    let (_parent, dir) = new_c_project("twice");
    let start = || {
        let mut cmd = compose();
        cmd.arg("build")
            .arg("--manifest-path")
            .arg(dir.join("compose.toml"))
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    let (a, b) = (start(), start());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    // One waited for the other, and said so; the second found everything built.
    let waited = [&a, &b]
        .into_iter()
        .filter(|o| text(o).contains("Blocking"))
        .count();
    let fresh = [&a, &b]
        .into_iter()
        .filter(|o| text(o).contains("Fresh greeter"))
        .count();
    assert!(waited <= 1 && fresh >= waited, "{}\n{}", text(&a), text(&b));
    compose_in(&dir, &["run", "--", "Ada"]).ok();
}

#[test]
fn a_c_component_can_take_utf16_strings() {
    let (_parent, dir) = new_c_project("wide");
    // The greeter's bindings use UTF-16; the app's stay UTF-8; the runtime transcodes.
    let manifest = dir.join("compose.toml");
    edit(
        &manifest,
        "world = \"greeter-lib\"",
        "world = \"greeter-lib\"\nbindings = { string-encoding = \"utf16\" }",
    );
    std::fs::write(
        dir.join("greeter/greeter.c"),
        r#"// The greeter, with UTF-16 strings: it answers the name upper-cased.
#include <stdlib.h>
#include <string.h>

#include "greeter_lib.h"

void exports_local_wide_greeter_greet(greeter_lib_string_t *name, greeter_lib_string_t *ret) {
    ret->ptr = malloc(name->len * sizeof *ret->ptr);
    ret->len = name->len;
    for (size_t i = 0; i < name->len; i++) {
        uint16_t c = name->ptr[i];
        ret->ptr[i] = (c >= 'a' && c <= 'z') ? c - 32 : c;
    }
    greeter_lib_string_free(name);
}
"#,
    )
    .unwrap();
    let out = compose_in(&dir, &["run", "--", "Ada-é"]).ok();
    assert_eq!(out.stdout, "ADA-é\n", "{out}");
    // An option the language does not have is refused at its line.
    edit(&manifest, "string-encoding = \"utf16\"", "with = \"x\"");
    compose_in(&dir, &["build"])
        .fails()
        .stderr_has(&["`with` is not a c bindings option", "compose.toml:"]);
}
