//! A real OCI registry for the tests: Debian's `docker-registry` (distribution 2.8), on
//! 127.0.0.1 at a free port, storing into a temporary folder; optionally behind htpasswd.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running registry; stopped when dropped.
pub struct RegistryServer {
    child: Child,
    dir: tempfile::TempDir,
    /// `127.0.0.1:<port>`.
    pub addr: String,
}

/// The user and password of a registry started with [`RegistryServer::with_auth`].
pub const USER: &str = "ci";
pub const PASSWORD: &str = "correct horse";

impl RegistryServer {
    /// A registry anyone may push to.
    pub fn open() -> Self {
        Self::start(false)
    }

    /// A registry that wants [`USER`] and [`PASSWORD`] (HTTP basic, htpasswd).
    pub fn with_auth() -> Self {
        Self::start(true)
    }

    fn start(auth: bool) -> Self {
        let program = which("docker-registry").expect(
            "the tests need Debian's `docker-registry` (apt-get install docker-registry); .ci/run installs it",
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            dir.path().join("storage").display()
        );
        if auth {
            let hash = bcrypt::hash(PASSWORD, 5).unwrap();
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{USER}:{hash}\n")).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: compose-tests\n    path: {}\n",
                htpasswd.display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(program)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let server = RegistryServer { child, dir, addr };
        server.wait_until_up();
        server
    }

    fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(&self.addr).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not start on {}", self.addr);
    }

    /// The file that holds blob `digest` (`sha256:<hex>`) in the registry's storage.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage()
            .join("blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// The manifest digest that `repository:tag` points at, read from the registry's storage.
    pub fn tag_digest(&self, repository: &str, tag: &str) -> String {
        let link = self
            .storage()
            .join("repositories")
            .join(repository)
            .join("_manifests/tags")
            .join(tag)
            .join("current/link");
        std::fs::read_to_string(&link).unwrap_or_else(|e| panic!("{}: {e}", link.display()))
    }

    fn storage(&self) -> PathBuf {
        self.dir.path().join("storage/docker/registry/v2")
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (the OS picks it, and it is released for the caller).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join(program))
        .find(|p| Path::new(p).is_file())
}
