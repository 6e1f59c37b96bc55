//! `compose deploy`: the composed HTTP component published to a registry, described in an
//! engine's own terms, and started on every host of the engine, a new version beside the old
//! before the old is stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use compose_deploy::wasmcloud::{self, Host, Lattice, WorkloadState};
use compose_deploy::{HttpInterface, Service, ServiceDir};
use compose_registry::{Client, Reference};
use compose_runtime::{Grants, HttpRule, Limits};
use compose_wit::decode::{decode, Decoded};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::fsutil::write_atomic;
use crate::ProjectError;

/// What to deploy and where.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// The service's name (a DNS label).
    pub name: String,
    /// Where to publish it: `host:port/repository`, with a tag or without (then the tag is
    /// `sha-` and the first 12 hex digits of the component's digest).
    pub image: String,
    /// The host name requests reach it by.
    pub http_host: String,
    /// The engine's NATS.
    pub nats: String,
    /// How long to listen for hosts.
    pub wait: Duration,
    /// Stop listening once this many hosts are heard.
    pub hosts: Option<usize>,
    /// Grants of the whole composition (`[run]` and the flags).
    pub grants: Grants,
    /// Hosts it may send HTTP requests to.
    pub allow_http: Vec<HttpRule>,
    /// Limits of each request.
    pub limits: Limits,
    /// Where the record of what runs where is kept (the project's `target/compose/deploy`).
    pub state_dir: PathBuf,
}

/// What happens, as it happens.
#[derive(Debug, Clone)]
pub enum DeployNotice {
    /// The component is in the registry.
    Published { reference: String },
    /// A host was heard.
    HostHeard(Host),
    /// The new version runs on a host.
    Started { host: Host, workload: String },
    /// This version already ran on a host.
    AlreadyRunning { host: Host, workload: String },
    /// A previous version was stopped on a host.
    Stopped { host: Host, workload: String },
}

/// The engine's own description of the service, as it would be applied.
#[derive(Debug, Clone)]
pub struct Description {
    /// The engine's name.
    pub engine: &'static str,
    /// Its text.
    pub document: Value,
}

/// What a deploy did.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// The workload's id (the service's name and its version).
    pub workload: String,
    /// The component's reference, pinned by digest.
    pub image: String,
    /// The description applied.
    pub description: Description,
    /// The hosts that run it.
    pub hosts: Vec<Host>,
}

impl DeployRequest {
    /// Checks what can be checked before the project is built: the names, the image's
    /// reference, the engine's address.
    pub fn check(&self) -> Result<(), ProjectError> {
        compose_deploy::check_names(&self.name, &self.http_host)?;
        compose_deploy::nats::parse_url(&self.nats)?;
        image_reference(&self.image, &[])?;
        Ok(())
    }
}

/// The description of `wasm` as `request` would deploy it, without publishing or applying
/// anything (`--dry-run`): the image is its tag, pinned to its digest once published.
pub fn describe(wasm: &Path, request: &DeployRequest) -> Result<Description, ProjectError> {
    let bytes = read(wasm)?;
    let reference = image_reference(&request.image, &bytes)?;
    describe_service(&service(&bytes, request, reference.to_string())?)
}

/// Publishes `wasm`, describes it for the engine, and starts it on every host heard; then
/// stops, on each host, the version deployed before.
pub fn deploy(
    wasm: &Path,
    request: &DeployRequest,
    client: &Client,
    mut notice: impl FnMut(DeployNotice),
) -> Result<Deployed, ProjectError> {
    let bytes = read(wasm)?;
    let reference = image_reference(&request.image, &bytes)?;
    let mut service = service(&bytes, request, reference.to_string())?;
    // Checked before anything is published: a grant the engine cannot enforce stops here.
    describe_service(&service)?;
    let record_path = request
        .state_dir
        .join(format!("wasmcloud-{}.json", request.name));
    let mut record = Record::read(&record_path);
    let mut lattice = Lattice::connect(&request.nats)?;
    let known: Vec<Host> = record.hosts.values().map(|r| r.host.clone()).collect();
    let hosts = lattice.hosts(&known, request.wait, request.hosts, |h| {
        notice(DeployNotice::HostHeard(h.clone()))
    })?;
    if hosts.is_empty() {
        return Err(compose_deploy::DeployError::NoHosts {
            message: format!(
                "no {} host was heard on {} within {}",
                wasmcloud::ENGINE,
                request.nats,
                compose_runtime::format_duration(request.wait)
            ),
            help: "start hosts (`wash host --scheduler-nats-url …`), or wait longer with `--wait` (hosts send a heartbeat every 15 s)".into(),
        }
        .into());
    }
    // A tag made of the content is the same bytes when it exists: publishing it again is
    // harmless. A tag the user chose is never replaced.
    let content_tag = tag_of(&request.image).is_none();
    let published = super::publish(
        client,
        bytes,
        &request.name,
        &reference.to_string(),
        content_tag,
    )?;
    notice(DeployNotice::Published {
        reference: published.reference.to_string(),
    });
    let pinned = Reference {
        tag: None,
        digest: Some(published.digest.to_string()),
        ..published.reference
    };
    service.image = pinned.to_string();
    let description = describe_service(&service)?;
    let workload = &description.document;
    let id = workload["workloadId"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // Every host is tried: one that fails keeps its previous version (and its place in the
    // record, so the next deploy stops that one), and is named at the end.
    let mut placed = Vec::new();
    let mut failed = Vec::new();
    for host in &hosts {
        let running = match lattice.status(host, &id) {
            Ok(state) => state == WorkloadState::Running,
            Err(e) => {
                failed.push(format!("{}: {e}", host.name));
                continue;
            }
        };
        if running {
            notice(DeployNotice::AlreadyRunning {
                host: host.clone(),
                workload: id.clone(),
            });
        } else if let Err(e) = lattice.start(host, workload) {
            failed.push(format!("{}: {e}", host.name));
            continue;
        } else {
            notice(DeployNotice::Started {
                host: host.clone(),
                workload: id.clone(),
            });
        }
        placed.push(host.clone());
        // The new version is routed: the old one can go.
        let previous = record.hosts.insert(
            host.id.clone(),
            Placed {
                host: host.clone(),
                workload: id.clone(),
            },
        );
        record.write(&record_path)?;
        if let Some(old) = previous.map(|p| p.workload).filter(|old| old != &id) {
            match lattice.stop(host, &old) {
                Ok(WorkloadState::Stopping) => notice(DeployNotice::Stopped {
                    host: host.clone(),
                    workload: old,
                }),
                Ok(_) => {}
                Err(e) => failed.push(format!(
                    "{}: the new version runs, but the previous one ({old}) was not stopped: {e}",
                    host.name
                )),
            }
        }
    }
    if !failed.is_empty() {
        return Err(compose_deploy::DeployError::Host {
            host: format!("{} of {}", failed.len(), hosts.len()),
            message: format!(
                "the deploy did not complete there ({} placed it):\n  {}",
                placed.len(),
                failed.join("\n  ")
            ),
            help: "a host that failed still runs its previous version; deploy again once it is healthy".into(),
        }
        .into());
    }
    let hosts = placed;
    Ok(Deployed {
        workload: id,
        image: service.image,
        description,
        hosts,
    })
}

/// The tag written in `image` (`host:port/name:tag`), if any.
fn tag_of(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or_default();
    let last = last.split('@').next().unwrap_or_default();
    last.split_once(':').map(|(_, tag)| tag)
}

fn read(wasm: &Path) -> Result<Vec<u8>, ProjectError> {
    std::fs::read(wasm).map_err(|e| ProjectError::io(format!("read {}", wasm.display()), e))
}

/// `image` with its tag: the one written, else `sha-` and 12 hex digits of the content.
fn image_reference(image: &str, bytes: &[u8]) -> Result<Reference, ProjectError> {
    let tagged = match tag_of(image) {
        Some(_) => image.to_string(),
        None => format!("{image}:sha-{}", &content_digest(bytes)[..12]),
    };
    let reference = Reference::parse(&tagged)?;
    if reference.digest.is_some() {
        return Err(ProjectError::Input {
            message: format!(
                "cannot deploy to `{image}`: a digest names what exists, not where to publish"
            ),
            help: "give a repository (`host:port/name`), with a tag or without one".into(),
        });
    }
    Ok(reference)
}

fn content_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The service `bytes` is, as `request` deploys it from `image`.
fn service(bytes: &[u8], request: &DeployRequest, image: String) -> Result<Service, ProjectError> {
    Ok(Service {
        name: request.name.clone(),
        image,
        version: content_digest(bytes),
        interface: http_interface(bytes)?,
        http_host: request.http_host.clone(),
        env: request.grants.env.clone(),
        dirs: request
            .grants
            .dirs
            .iter()
            .map(|d| ServiceDir {
                host: d.host.clone(),
                guest: d.guest.clone(),
                writable: d.writable,
            })
            .collect(),
        outgoing_http: request.allow_http.iter().map(|r| r.to_string()).collect(),
        network: request
            .grants
            .network
            .iter()
            .chain(&request.grants.listen)
            .map(|r| r.to_string())
            .collect(),
        name_lookup: request.grants.name_lookup,
        max_memory: request.limits.max_memory,
        timeout: request.limits.timeout,
        fuel: request.limits.fuel,
        max_stack: request.limits.max_stack,
    })
}

/// The engine's description of `service` (wasmCloud's workload), or why it cannot hold it.
fn describe_service(service: &Service) -> Result<Description, ProjectError> {
    Ok(Description {
        engine: wasmcloud::ENGINE,
        document: wasmcloud::workload(service)?,
    })
}

/// Which `wasi:http` handler the component exports.
fn http_interface(bytes: &[u8]) -> Result<HttpInterface, ProjectError> {
    let exports = match decode(bytes, "the composed component")? {
        Decoded::Component { exports, .. } => exports,
        Decoded::WitPackage { .. } => Vec::new(),
    };
    for name in &exports {
        if let Some(version) = name.strip_prefix("wasi:http/incoming-handler@") {
            return Ok(HttpInterface::IncomingHandler {
                version: version.into(),
            });
        }
        if let Some(version) = name.strip_prefix("wasi:http/handler@") {
            return Ok(HttpInterface::Handler {
                version: version.into(),
            });
        }
    }
    Err(ProjectError::Input {
        message: format!(
            "only an HTTP service can be deployed, and this component exports {}",
            if exports.is_empty() {
                "nothing".to_string()
            } else {
                exports.join(", ")
            }
        ),
        help: "deploy a project whose root exports `wasi:http/incoming-handler` (`compose new --template http`)".into(),
    })
}

/// Which workload runs on which host, as this project last deployed it: the hosts to ask
/// first next time, and the versions to stop once the next one runs.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Record {
    hosts: BTreeMap<String, Placed>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Placed {
    host: Host,
    workload: String,
}

impl Record {
    fn read(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write(&self, path: &Path) -> Result<(), ProjectError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| ProjectError::io(format!("create {}", dir.display()), e))?;
        }
        let bytes = serde_json::to_vec_pretty(self).expect("a record serialises");
        write_atomic(path, &bytes)
    }
}
