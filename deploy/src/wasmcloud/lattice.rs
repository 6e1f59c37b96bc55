//! The hosts of a wasmCloud lattice, heard on NATS, and the workloads each is told to run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::nats::{Connection, Reply};
use crate::DeployError;

/// How long a host may take to start a workload: it pulls the component and compiles it.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a host of the last deploy may take to say it is still there.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a host may take to answer anything else.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// A host that sent a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Host {
    /// Its id, which names its control subjects.
    pub id: String,
    /// Its host name (`--host-name`).
    pub name: String,
    /// Its wasmCloud version.
    pub version: String,
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.id)
    }
}

/// What a host says of a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadState {
    /// Running and routed.
    Running,
    /// Being stopped, or stopped.
    Stopping,
    /// The host does not know it.
    NotFound,
    /// The host is gone: nobody listens on its subjects.
    HostGone,
    /// Anything else (`WORKLOAD_STATE_ERROR`, ...) with the host's message.
    Other { state: String, message: String },
}

/// A connection to the lattice's NATS.
#[derive(Debug)]
pub struct Lattice {
    connection: Connection,
}

impl Lattice {
    /// Connects to the lattice's NATS at `url`.
    pub fn connect(url: &str) -> Result<Self, DeployError> {
        Ok(Lattice {
            connection: Connection::connect(url, Duration::from_secs(5))?,
        })
    }

    /// The hosts of `known` that still answer, and those heard within `wait` (each sends a
    /// heartbeat when it starts and every 15 s); listening ends as soon as `enough` are had.
    /// `heard` is told of each as it comes.
    pub fn hosts(
        &mut self,
        known: &[Host],
        wait: Duration,
        enough: Option<usize>,
        mut heard: impl FnMut(&Host),
    ) -> Result<Vec<Host>, DeployError> {
        let mut hosts = BTreeMap::new();
        for host in known {
            // Any id will do: a host that is up answers "not found", one that is gone has
            // nobody on its subject, one that is stuck does not answer in time (passed over
            // too: it is heard again by its heartbeat if it comes back).
            let answered = self.connection.request(
                &subject(host, "status"),
                &naming("compose-probe"),
                PROBE_TIMEOUT,
            )?;
            if matches!(answered, Reply::Answer(_)) {
                heard(host);
                hosts.insert(host.id.clone(), host.clone());
            }
        }
        let sid = self.connection.subscribe("runtime.operator.heartbeat.*")?;
        let deadline = Instant::now() + wait;
        while enough.is_none_or(|n| hosts.len() < n) {
            let Some(message) = self.connection.next(deadline)? else {
                break;
            };
            if message.sid != sid {
                continue;
            }
            let Ok(beat) = serde_json::from_slice::<Value>(&message.payload) else {
                continue;
            };
            let field = |k: &str| beat[k].as_str().unwrap_or_default().to_string();
            let host = Host {
                id: field("id"),
                name: field("hostname"),
                version: field("version"),
            };
            if host.id.is_empty() || hosts.contains_key(&host.id) {
                continue;
            }
            heard(&host);
            hosts.insert(host.id.clone(), host);
        }
        self.connection.unsubscribe(sid)?;
        Ok(hosts.into_values().collect())
    }

    /// Starts `workload` (from [`super::workload`]) on `host` and waits until it runs.
    pub fn start(&mut self, host: &Host, workload: &Value) -> Result<(), DeployError> {
        let body = serde_json::to_vec(workload).expect("a JSON value serialises");
        match self.ask(host, &subject(host, "start"), &body, START_TIMEOUT)? {
            WorkloadState::Running => Ok(()),
            WorkloadState::HostGone => Err(gone(host)),
            state => Err(DeployError::Host {
                host: host.to_string(),
                message: format!("did not start the workload: {}", describe(&state)),
                help: "read the host's message above; the previous version, if any, still runs"
                    .into(),
            }),
        }
    }

    /// Stops the workload `id` on `host`.
    pub fn stop(&mut self, host: &Host, id: &str) -> Result<WorkloadState, DeployError> {
        self.ask(host, &subject(host, "stop"), &naming(id), CONTROL_TIMEOUT)
    }

    /// What `host` says of the workload `id`.
    pub fn status(&mut self, host: &Host, id: &str) -> Result<WorkloadState, DeployError> {
        self.ask(host, &subject(host, "status"), &naming(id), CONTROL_TIMEOUT)
    }

    fn ask(
        &mut self,
        host: &Host,
        subject: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<WorkloadState, DeployError> {
        let answer = match self.connection.request(subject, body, timeout)? {
            Reply::Answer(answer) => answer,
            Reply::NoResponders => return Ok(WorkloadState::HostGone),
            // The host answers nothing to a request it cannot parse: only its log says why.
            Reply::Timeout => {
                return Err(DeployError::Host {
                    host: host.to_string(),
                    message: format!("no answer within {}s", timeout.as_secs()),
                    help: "the host answers nothing to a workload it cannot parse: its log says why (`error handling command`)".into(),
                })
            }
        };
        let answer: Value = serde_json::from_slice(&answer).map_err(|e| DeployError::Host {
            host: host.to_string(),
            message: format!("answered something that is not JSON: {e}"),
            help: "is the host a wasmCloud 2 host?".into(),
        })?;
        let status = &answer["workloadStatus"];
        let state = status["workloadState"].as_str().unwrap_or_default();
        let message = status["message"].as_str().unwrap_or_default().to_string();
        Ok(match state {
            "WORKLOAD_STATE_RUNNING" => WorkloadState::Running,
            "WORKLOAD_STATE_STOPPING" | "WORKLOAD_STATE_COMPLETED" => WorkloadState::Stopping,
            "WORKLOAD_STATE_NOT_FOUND" => WorkloadState::NotFound,
            _ => WorkloadState::Other {
                state: if state.is_empty() {
                    answer.to_string()
                } else {
                    state.to_string()
                },
                message,
            },
        })
    }
}

/// A host's control subject for `verb` (`start`, `stop`, `status`) of a workload.
fn subject(host: &Host, verb: &str) -> String {
    format!("runtime.host.{}.workload.{verb}", host.id)
}

/// The body of a request that names a workload.
fn naming(id: &str) -> Vec<u8> {
    serde_json::json!({ "workloadId": id })
        .to_string()
        .into_bytes()
}

fn gone(host: &Host) -> DeployError {
    DeployError::Host {
        host: host.to_string(),
        message: "is gone (nobody listens on its subjects)".into(),
        help: "deploy again to place the service on the hosts that are up".into(),
    }
}

fn describe(state: &WorkloadState) -> String {
    match state {
        WorkloadState::Other { state, message } if message.is_empty() => state.clone(),
        WorkloadState::Other { state, message } => format!("{state}: {message}"),
        other => format!("{other:?}"),
    }
}
