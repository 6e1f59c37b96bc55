//! A registry that misbehaves, as a hostile one would: a small HTTP server of the test's own
//! on 127.0.0.1 answering `compose pull` and a build with a registry dependency with a huge
//! manifest, a blob larger than announced or of another digest, a truncated or trickling
//! body, redirects in a circle or to another host, and 401 forever. Each is refused within
//! bounded time, naming the reference and what was wrong, with nothing left in the cache or
//! the project; credentials never follow a redirect.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::Digest as _;

use crate::support::*;

/// How the server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A manifest of 100 MiB.
    HugeManifest,
    /// A blob twice as large as its manifest announces.
    LargerBlob,
    /// A blob of the announced size but other bytes.
    WrongDigest,
    /// A blob cut off half-way.
    Truncated,
    /// A manifest sent one byte every half second.
    Trickle,
    /// The manifest redirects to itself.
    RedirectLoop,
    /// Basic auth; the manifest redirects to another server, which records what it got.
    RedirectElsewhere,
    /// 401, whatever the credentials.
    Unauthorized,
}

/// The artifact the server serves: a real component, its config and manifest.
struct Artifact {
    layer: Vec<u8>,
    config: Vec<u8>,
    manifest: Vec<u8>,
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&sha2::Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn artifact() -> Artifact {
    let layer = std::fs::read(repo().join("tests/broken/_components/greeter.wasm")).unwrap();
    let config = br#"{"architecture":"wasm","os":"wasip2","layerDigests":[]}"#.to_vec();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.wasm.config.v0+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/wasm","digest":"{}","size":{}}}]}}"#,
        digest(&config),
        config.len(),
        digest(&layer),
        layer.len()
    )
    .into_bytes();
    Artifact {
        layer,
        config,
        manifest,
    }
}

/// One request's line and headers (lower-case names).
struct Request {
    path: String,
    headers: Headers,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h == "\r\n" {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Some(Request { path, headers })
}

/// A request's headers, as (lower-case name, value).
type Headers = Vec<(String, String)>;

/// The server: where it listens, and the requests its redirect target saw.
struct Hostile {
    addr: SocketAddr,
    elsewhere_saw: Arc<Mutex<Vec<Headers>>>,
}

fn head(stream: &mut TcpStream, status: &str, headers: &str, length: usize) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-length: {length}\r\nconnection: close\r\n{headers}\r\n"
    );
}

fn answer(stream: &mut TcpStream, status: &str, headers: &str, body: &[u8]) {
    head(stream, status, headers, body.len());
    let _ = stream.write_all(body);
}

impl Hostile {
    fn start(mode: Mode) -> Self {
        let art = Arc::new(artifact());
        // The redirect target: another host (another port) that serves the manifest and
        // remembers each request's headers.
        let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
        let elsewhere_addr = elsewhere.local_addr().unwrap();
        let elsewhere_saw = Arc::new(Mutex::new(Vec::new()));
        {
            let (art, saw) = (art.clone(), elsewhere_saw.clone());
            std::thread::spawn(move || {
                for mut stream in elsewhere.incoming().map_while(Result::ok) {
                    if let Some(request) = read_request(&stream) {
                        saw.lock().unwrap().push(request.headers);
                        answer(&mut stream, "200 OK", "", &art.manifest);
                    }
                }
            });
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let art = art.clone();
                std::thread::spawn(move || serve(stream, mode, &art, elsewhere_addr));
            }
        });
        Hostile {
            addr,
            elsewhere_saw,
        }
    }
}

fn serve(mut stream: TcpStream, mode: Mode, art: &Artifact, elsewhere: SocketAddr) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let authorized = request.headers.iter().any(|(n, _)| n == "authorization");
    let manifest = request.path.contains("/manifests/");
    let layer = request.path.ends_with(&digest(&art.layer));
    let challenge = "www-authenticate: Basic realm=\"hostile\"\r\n";
    match mode {
        Mode::Unauthorized => answer(&mut stream, "401 Unauthorized", challenge, b"no"),
        Mode::RedirectElsewhere if !authorized => {
            answer(&mut stream, "401 Unauthorized", challenge, b"who?")
        }
        Mode::RedirectElsewhere if manifest => answer(
            &mut stream,
            "307 Temporary Redirect",
            &format!("location: http://{elsewhere}/manifest\r\n"),
            b"",
        ),
        Mode::RedirectLoop if manifest => answer(
            &mut stream,
            "302 Found",
            &format!("location: {}\r\n", request.path),
            b"",
        ),
        Mode::HugeManifest if manifest => {
            let size = 100 << 20;
            head(&mut stream, "200 OK", "", size);
            let chunk = vec![b' '; 64 << 10];
            for _ in 0..size / chunk.len() {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        Mode::Trickle if manifest => {
            head(&mut stream, "200 OK", "", art.manifest.len());
            for byte in &art.manifest {
                if stream.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        Mode::LargerBlob if layer => {
            let mut twice = art.layer.clone();
            twice.extend_from_slice(&art.layer);
            answer(&mut stream, "200 OK", "", &twice);
        }
        Mode::WrongDigest if layer => {
            let mut other = art.layer.clone();
            other[10] ^= 0xff;
            answer(&mut stream, "200 OK", "", &other);
        }
        Mode::Truncated if layer => {
            head(&mut stream, "200 OK", "", art.layer.len());
            let _ = stream.write_all(&art.layer[..art.layer.len() / 2]);
        }
        _ if manifest => answer(&mut stream, "200 OK", "", &art.manifest),
        _ if layer => answer(&mut stream, "200 OK", "", &art.layer),
        _ if request.path.ends_with(&digest(&art.config)) => {
            answer(&mut stream, "200 OK", "", &art.config)
        }
        _ => answer(&mut stream, "404 Not Found", "", b"{}"),
    }
    // Let the client read what was sent before the socket closes.
    let _ = stream.flush();
    let mut rest = [0u8; 1024];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = stream.read(&mut rest);
}

/// `compose ARGS` in `dir` against `registry`, with its own registry cache in `cache`, a
/// registry timeout of 3 s, and credentials.
fn against(registry: SocketAddr, dir: &Path, cache: &Path, args: &[&str]) -> (Run, Duration) {
    let mut cmd = compose();
    cmd.current_dir(dir)
        .args(args)
        .env("COMPOSE_REGISTRY", registry.to_string())
        .env("COMPOSE_REGISTRY_CACHE", cache)
        .env("COMPOSE_REGISTRY_CONFIG", cache.join("none.toml"))
        .env("COMPOSE_REGISTRY_TIMEOUT", "3s")
        .env("COMPOSE_REGISTRY_USERNAME", "ci")
        .env("COMPOSE_REGISTRY_PASSWORD", "s3cret")
        .env("CARGO_TARGET_DIR", dir.join("target/cargo"));
    let started = Instant::now();
    let out = run(&mut cmd);
    (out, started.elapsed())
}

/// Every regular file under `dir`.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

#[test]
fn a_hostile_registry_is_refused_clearly_in_bounded_time_and_leaves_nothing() {
    let cases: [(Mode, &[&str]); 7] = [
        (Mode::HugeManifest, &["the manifest", "larger than 4 MiB"]),
        (
            Mode::LargerBlob,
            &["blob sha256:", "larger than", "announces"],
        ),
        (Mode::WrongDigest, &["does not match its digest"]),
        (Mode::Truncated, &["a blob download of", "broke off"]),
        (
            Mode::Trickle,
            &["did not finish a manifest download of", "within"],
        ),
        (
            Mode::RedirectLoop,
            &["redirected a manifest download of", "more than 5 times"],
        ),
        (Mode::Unauthorized, &["refused the credentials"]),
    ];
    for (mode, said) in cases {
        let server = Hostile::start(mode);
        let reference = format!("{}/demo/app:1.0.0", server.addr);
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();

        // `compose pull`.
        let (out, took) = against(
            server.addr,
            dir.path(),
            cache.path(),
            &["pull", &reference, "-o", "app.wasm"],
        );
        let out = out.fails();
        let mut expected = vec!["demo/app"];
        expected.extend(said);
        out.stderr_has(&expected);
        assert!(took < Duration::from_secs(20), "{mode:?} took {took:?}");
        assert!(!dir.path().join("app.wasm").exists(), "{mode:?}");
        assert_eq!(files_under(cache.path()), Vec::<String>::new(), "{mode:?}");

        // A build whose component comes from the registry.
        let project = dir.path().join("p");
        std::fs::create_dir_all(project.join("wit")).unwrap();
        std::fs::write(
            project.join("compose.toml"),
            "[project]\nname = \"p\"\n\n[components.lib]\nregistry = \"demo:app@1.0.0\"\nworld = \"greeter-lib\"\n\n[compose]\nroot = \"lib\"\n",
        )
        .unwrap();
        std::fs::copy(
            repo().join("tests/broken/component-09-ambiguous-providers/wit/greet.wit"),
            project.join("wit/greet.wit"),
        )
        .unwrap();
        let (out, took) = against(server.addr, &project, cache.path(), &["build"]);
        out.fails().stderr_has(&expected);
        assert!(
            took < Duration::from_secs(20),
            "{mode:?} build took {took:?}"
        );
        assert!(!project.join("compose.lock").exists(), "{mode:?}");
        assert!(!project.join("wit/deps").exists(), "{mode:?}");
        // (The build's lock file is all that `target/` holds.)
        let outputs: Vec<String> = files_under(&project.join("target"))
            .into_iter()
            .filter(|f| !f.ends_with("/.lock"))
            .collect();
        assert_eq!(outputs, Vec::<String>::new(), "{mode:?}");
        assert_eq!(files_under(cache.path()), Vec::<String>::new(), "{mode:?}");
    }
}

#[test]
fn credentials_never_follow_a_redirect_to_another_host() {
    let server = Hostile::start(Mode::RedirectElsewhere);
    let reference = format!("{}/demo/app:1.0.0", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (out, _) = against(
        server.addr,
        dir.path(),
        cache.path(),
        &["pull", &reference, "-o", "app.wasm"],
    );
    // The other host served the manifest; the registry itself the blob, with credentials.
    out.ok();
    let saw = server.elsewhere_saw.lock().unwrap();
    assert_eq!(saw.len(), 1, "the redirect was followed once");
    assert!(
        saw[0].iter().all(|(n, _)| n != "authorization"),
        "credentials went to another host: {saw:?}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("app.wasm")).unwrap(),
        artifact().layer
    );
}
