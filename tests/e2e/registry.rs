//! Publishing and pulling through a real OCI registry (Debian's docker-registry on 127.0.0.1),
//! and building a project whose component and WIT come from it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::registry_server::{free_port, RegistryServer, PASSWORD, USER};
use crate::support::*;

/// A client environment: which registry, which (private) cache, which credentials.
struct Client {
    registry: String,
    cache: tempfile::TempDir,
    credentials: Option<(String, String)>,
}

impl Client {
    fn new(registry: &str) -> Self {
        Client {
            registry: registry.to_string(),
            cache: tempfile::tempdir().unwrap(),
            credentials: None,
        }
    }

    fn with_credentials(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// `compose <args>` in `dir` (when given, as the project) with this environment.
    fn compose(&self, dir: Option<&Path>, args: &[&str]) -> Run {
        let mut cmd = compose();
        self.apply(&mut cmd);
        match dir {
            Some(dir) => {
                let (subcommand, rest) = args.split_first().unwrap();
                cmd.env("CARGO_TARGET_DIR", guest_target(dir))
                    .current_dir(dir)
                    .arg(subcommand)
                    .args(rest);
            }
            None => {
                cmd.args(args);
            }
        }
        run(&mut cmd)
    }

    fn apply(&self, cmd: &mut Command) {
        cmd.env("COMPOSE_REGISTRY", &self.registry)
            .env("COMPOSE_REGISTRY_CACHE", self.cache.path())
            .env(
                "COMPOSE_REGISTRY_CONFIG",
                self.cache.path().join("none.toml"),
            )
            .env_remove("COMPOSE_REGISTRY_USERNAME")
            .env_remove("COMPOSE_REGISTRY_PASSWORD");
        if let Some((u, p)) = &self.credentials {
            cmd.env("COMPOSE_REGISTRY_USERNAME", u)
                .env("COMPOSE_REGISTRY_PASSWORD", p);
        }
    }
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    format!("sha256:{}", text.split_whitespace().next().unwrap())
}

#[test]
fn a_built_example_goes_to_the_registry_and_comes_back_the_same() {
    let registry = RegistryServer::open();
    let publisher = Client::new(&registry.addr);
    let project = copy_example("rust-calls-go");
    let before = compose_in(project.path(), &["run", "--", "Ada"]).ok();
    let composed = project.path().join("target/compose/dev/rust-calls-go.wasm");
    let published = project.path().join("published.wasm");
    std::fs::copy(&composed, &published).unwrap();

    // With no FILE, the project is built and its composed component published.
    let out = publisher
        .compose(Some(project.path()), &["publish", "demo:greet-app@0.1.0"])
        .ok();
    assert!(
        out.stderr
            .contains(&format!("Published {}/demo/greet-app:0.1.0", registry.addr)),
        "{out}"
    );

    // The artifact, field by field, as the registry stores it.
    let manifest_digest = registry.tag_digest("demo/greet-app", "0.1.0");
    let manifest = json(&std::fs::read(registry.blob_file(&manifest_digest)).unwrap());
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    let layer_digest = sha256_of(&published);
    assert_eq!(layers[0]["digest"], layer_digest.as_str());
    assert_eq!(
        layers[0]["size"],
        std::fs::metadata(&published).unwrap().len()
    );
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.version"],
        "0.1.0"
    );
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let config_bytes = std::fs::read(registry.blob_file(config_digest)).unwrap();
    assert_eq!(manifest["config"]["size"], config_bytes.len());
    let config = json(&config_bytes);
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    assert_eq!(config["layerDigests"], serde_json::json!([layer_digest]));
    let created = config["created"].as_str().unwrap();
    assert!(created.len() == 20 && created.ends_with('Z'), "{created}");
    let imports: Vec<&str> = config["component"]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("wasi:cli/environment@0.2")),
        "{imports:?}"
    );
    assert!(
        !imports.iter().any(|i| i.starts_with("demo:greet")),
        "the greeter is linked in: {imports:?}"
    );
    assert!(
        config["component"]["exports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("wasi:cli/run@0.2")),
        "{config}"
    );

    // Delete the local copy; pull into a fresh cache; the same bytes, the same run.
    std::fs::remove_file(&composed).unwrap();
    let puller = Client::new(&registry.addr);
    let pulled = project.path().join("pulled.wasm");
    let out = puller
        .compose(
            None,
            &["pull", "demo:greet-app@0.1", "-o", pulled.to_str().unwrap()],
        )
        .ok();
    assert!(out.stderr.contains(&manifest_digest), "{out}");
    assert_eq!(
        std::fs::read(&pulled).unwrap(),
        std::fs::read(&published).unwrap()
    );
    let mut cmd = compose();
    cmd.arg("run").arg(&pulled).args(["--", "Ada"]);
    let after = run(&mut cmd).ok();
    assert_eq!(after.stdout, before.stdout);

    // A version is published once, unless forced.
    let file = published.to_str().unwrap();
    puller
        .compose(None, &["publish", file, "demo:greet-app@0.1.0"])
        .fails()
        .stderr_has(&["already exists", "--force"]);
    puller
        .compose(None, &["publish", file, "demo:greet-app@0.1.0", "--force"])
        .ok();
    puller
        .compose(None, &["publish", file, "demo:greet-app@0.1"])
        .fails()
        .stderr_has(&["publishing needs an exact version"]);
    // Not a component: refused before anything is sent.
    let core = project.path().join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    puller
        .compose(
            None,
            &["publish", core.to_str().unwrap(), "demo:core@1.0.0"],
        )
        .fails()
        .stderr_has(&["core WebAssembly module, not a component"]);
}

#[test]
fn a_tampered_or_truncated_blob_is_refused_and_nothing_is_kept() {
    let registry = RegistryServer::open();
    let client = Client::new(&registry.addr);
    let calc = repo().join("tests/fixtures/calc");
    let out = client.compose(Some(&calc), &["publish", "--wit"]).ok();
    assert!(out.stderr.contains("demo/calc:0.1.0"), "{out}");
    let manifest = json(
        &std::fs::read(registry.blob_file(&registry.tag_digest("demo/calc", "0.1.0"))).unwrap(),
    );
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let original = std::fs::read(registry.blob_file(&layer)).unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("calc.wasm");
    let mut tampered = original.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0xff;
    for (what, bytes) in [
        ("tampered", tampered),
        ("truncated", original[..100].to_vec()),
    ] {
        std::fs::write(registry.blob_file(&layer), &bytes).unwrap();
        let fresh = Client::new(&registry.addr);
        let out = fresh
            .compose(
                None,
                &["pull", "demo:calc@0.1.0", "-o", output.to_str().unwrap()],
            )
            .fails();
        assert!(
            out.stderr.contains("does not match its digest") && out.stderr.contains(&layer),
            "{what}: {out}"
        );
        assert!(!output.exists(), "{what}: an output was written");
        let blob = fresh
            .cache
            .path()
            .join("blobs/sha256")
            .join(layer.trim_start_matches("sha256:"));
        assert!(!blob.exists(), "{what}: the bad blob was cached");
    }
    // Put right, it pulls; and it is a WIT package that names its interface.
    std::fs::write(registry.blob_file(&layer), &original).unwrap();
    client
        .compose(
            None,
            &["pull", "demo:calc@0.1.0", "-o", output.to_str().unwrap()],
        )
        .ok();
    let config = json(
        &std::fs::read(registry.blob_file(manifest["config"]["digest"].as_str().unwrap())).unwrap(),
    );
    assert!(
        config["component"]["exports"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("demo:calc/calc@0.1.0")),
        "{config}"
    );
    // Two processes filling one cache at once both succeed, with one whole blob.
    let shared = Client::new(&registry.addr);
    let children: Vec<_> = (0..2)
        .map(|i| {
            let mut cmd = compose();
            shared.apply(&mut cmd);
            cmd.args(["pull", "demo:calc@0.1.0", "-o"])
                .arg(out_dir.path().join(format!("racer-{i}.wasm")))
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let blobs = shared.cache.path().join("blobs/sha256");
    assert_eq!(
        std::fs::read(blobs.join(layer.trim_start_matches("sha256:"))).unwrap(),
        original
    );
    assert_eq!(
        std::fs::read_dir(&blobs).unwrap().count(),
        2,
        "the layer and the manifest"
    );

    // Offline, the cache answers; with nothing cached, it says so.
    client
        .compose(
            None,
            &[
                "pull",
                "demo:calc@0.1.0",
                "--offline",
                "-o",
                output.to_str().unwrap(),
            ],
        )
        .ok();
    Client::new(&registry.addr)
        .compose(None, &["pull", "demo:calc@0.1.0", "--offline"])
        .fails()
        .stderr_has(&["not in the cache", "--offline"]);
}

#[test]
fn credentials_are_asked_for_checked_and_used() {
    let registry = RegistryServer::with_auth();
    let calc = repo().join("tests/fixtures/calc");
    Client::new(&registry.addr)
        .compose(Some(&calc), &["publish", "--wit"])
        .fails()
        .stderr_has(&["wants credentials", "COMPOSE_REGISTRY_USERNAME"]);
    Client::new(&registry.addr)
        .with_credentials(USER, "wrong horse")
        .compose(Some(&calc), &["publish", "--wit"])
        .fails()
        .stderr_has(&[
            "refused the credentials",
            "check the user name and password",
        ]);
    let good = Client::new(&registry.addr).with_credentials(USER, PASSWORD);
    good.compose(Some(&calc), &["publish", "--wit"]).ok();
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("calc.wasm");
    good.compose(
        None,
        &["pull", "demo:calc@0.1", "-o", output.to_str().unwrap()],
    )
    .ok();
    assert!(output.is_file());
}

#[test]
fn a_registry_that_is_down_is_named_after_a_bounded_wait() {
    let addr = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let out = Client::new(&addr)
        .compose(None, &["pull", "demo:calc@0.1.0"])
        .fails();
    assert!(
        out.stderr
            .contains(&format!("cannot reach registry `{addr}`")),
        "{out}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    // A registry it cannot speak TLS to is not tried over plain HTTP.
    Client::new("registry.invalid:5000")
        .compose(None, &["pull", "demo:calc@0.1.0"])
        .fails()
        .stderr_has(&["cannot reach registry `registry.invalid:5000`"]);
}

#[test]
fn a_project_builds_from_the_registry_and_locks_what_it_took() {
    let registry = RegistryServer::open();
    let client = Client::new(&registry.addr);
    // The codec's WIT and its C component, published from the example.
    let example = copy_example("python-uses-c");
    client
        .compose(Some(example.path()), &["publish", "--wit"])
        .ok();
    compose_in(example.path(), &["build"]).ok();
    let codec = example
        .path()
        .join("target/compose/dev/components/codec/codec.wasm");
    client
        .compose(
            None,
            &["publish", codec.to_str().unwrap(), "demo:rle-c@0.1.0"],
        )
        .ok();

    // The project names both; its first build fetches them and writes compose.lock.
    let project = copy_fixture("registry-app");
    let out = client.compose(Some(project.path()), &["build"]).ok();
    assert!(
        out.stderr.contains("Pulling demo:codec@0.1.0 (WIT)"),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("Pulling demo:rle-c@0.1 (component `codec`)"),
        "{out}"
    );
    assert!(project
        .path()
        .join("wit/deps/demo-codec-0.1.0.wit")
        .is_file());
    let lock = std::fs::read_to_string(project.path().join("compose.lock")).unwrap();
    assert!(lock.contains("version = \"0.1.0\""), "{lock}");
    let first = client
        .compose(Some(project.path()), &["run", "--", "aaaabbbbbbcc"])
        .ok();
    assert_eq!(first.stdout.trim(), "12 bytes -> 6 bytes, round trip ok");

    // A newer codec is published; the lock keeps the project on the one it had.
    client
        .compose(
            None,
            &["publish", codec.to_str().unwrap(), "demo:rle-c@0.1.1"],
        )
        .ok();

    // A clean checkout (no wit/deps, no target), an empty cache, no registry configured: the
    // lock says where everything is.
    let checkout = tempfile::tempdir().unwrap();
    for file in [
        "compose.toml",
        "compose.lock",
        "wit/app.wit",
        "app/main.c",
        ".e2e-source",
    ] {
        let to = checkout.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(project.path().join(file), &to).unwrap();
    }
    let clean = Client::new("unused.invalid");
    let out = clean
        .compose(Some(checkout.path()), &["build", "--locked"])
        .ok();
    assert!(out.stderr.contains("Pulling"), "{out}");
    assert_eq!(
        std::fs::read_to_string(checkout.path().join("compose.lock")).unwrap(),
        lock
    );
    let again = clean
        .compose(Some(checkout.path()), &["run", "--", "aaaabbbbbbcc"])
        .ok();
    assert_eq!(again.stdout, first.stdout);

    // Offline, from the cache alone, even without wit/deps.
    std::fs::remove_dir_all(checkout.path().join("wit/deps")).unwrap();
    clean
        .compose(Some(checkout.path()), &["build", "--locked", "--offline"])
        .ok();

    // Without the lock, --locked refuses; a plain build takes the newest 0.1 and locks it.
    std::fs::remove_file(checkout.path().join("compose.lock")).unwrap();
    let moved = Client::new(&registry.addr);
    moved
        .compose(Some(checkout.path()), &["build", "--locked"])
        .fails()
        .stderr_has(&["compose.lock would change", "+ component codec = 0.1.1"]);
    assert!(!checkout.path().join("compose.lock").exists());
    moved.compose(Some(checkout.path()), &["build"]).ok();
    let relocked = std::fs::read_to_string(checkout.path().join("compose.lock")).unwrap();
    assert!(relocked.contains("version = \"0.1.1\""), "{relocked}");
}
