//! The machine messages of `--message-format json` (like cargo's): one JSON document per
//! line, each with a `type`. Typed here, once, so the schema in the README is the schema of
//! the code; the build report file (`.build.json`) uses the same types for its parts.

use std::path::Path;

use compose_linker::Link;
use serde::Serialize;

use crate::ops::{CaseResult, Comparison, ComponentReport, GraphEdge, GraphNode, Piece, Timing};

/// One message.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Message<'a> {
    /// A component of a build.
    Component {
        component: &'a str,
        language: &'a str,
        world: &'a str,
        artifact: &'a Path,
        size: usize,
        fresh: bool,
        imports: &'a [String],
        exports: &'a [String],
        /// How long each step of its build took (empty when it was reused).
        timings: &'a [Timing],
    },
    /// The end of a build.
    BuildFinished {
        success: bool,
        output: &'a Path,
        size: usize,
        fresh: bool,
        profile: &'a str,
        links: &'a [Link],
        imports: &'a [String],
        /// Providers chosen because they were the only answer (nothing was wired).
        inferred: &'a [compose_linker::Inferred],
    },
    /// A component checked against its world.
    ComponentChecked {
        component: &'a str,
        world: &'a str,
        declared_at: &'a str,
        language: &'a str,
        artifact: &'a Path,
        imports: &'a [String],
        exports: &'a [String],
        /// Its size, and its budget (`max-size`) if it has one.
        size: usize,
        max_size: Option<u64>,
    },
    /// What a component of a project may use (`compose run --explain`).
    Capabilities(&'a crate::ops::Capabilities),
    /// How a component but the root gets each WASI interface it imports (`compose check`):
    /// from the host, or from its virtual WASI component, narrowed or denied.
    Confined(&'a compose_linker::Confinement),
    /// The end of `compose check`.
    CheckFinished {
        success: bool,
        components: usize,
        output: &'a Path,
        /// The result's size, and its budget (`[compose] max-size`) if it has one.
        size: usize,
        max_size: Option<u64>,
        wasi_imports: Vec<&'a str>,
        host_imports: Vec<&'a str>,
    },
    /// What `compose inspect` found in a file.
    Inspected {
        file: &'a Path,
        kind: &'a str,
        size: usize,
        imports: &'a [String],
        exports: &'a [String],
        /// For a composition: its component instances, each with its language (where
        /// recognised), size, what it takes from the host and what it is made of.
        components: &'a [GraphNode],
        /// Who imports what from whom.
        links: &'a [GraphEdge],
        /// For a lone component: what it is made of.
        pieces: &'a [Piece],
    },
    /// A test case.
    Case(&'a CaseResult),
    /// A differential comparison.
    Comparison {
        #[serde(flatten)]
        comparison: &'a Comparison,
        seed: u64,
    },
    /// The end of `compose test`.
    Summary { passed: usize, failed: usize },
    /// `compose wit check`.
    WitChecked {
        package: String,
        kind: &'a str,
        interfaces: Vec<&'a str>,
        worlds: Vec<&'a str>,
        packages: usize,
    },
    /// One change of `compose wit diff`.
    WitChange {
        item: &'a str,
        kind: String,
        detail: Option<&'a str>,
        importers: String,
        exporters: String,
    },
    /// The end of `compose wit diff`.
    WitDiffFinished {
        old: &'a str,
        new: &'a str,
        changes: usize,
        breaking: usize,
        required_version: Option<String>,
        success: bool,
        problem: Option<String>,
    },
    /// `compose serve` listens, serving `interface` (`wasi:http/handler@0.3`, ...).
    Serving {
        url: String,
        interface: String,
        /// Requests one instance takes at once (1: a fresh instance per request).
        requests_per_instance: usize,
    },
    /// What `compose deploy --dry-run` would apply: the engine's own description.
    DeployDescription {
        engine: &'a str,
        description: &'a serde_json::Value,
    },
    /// `compose deploy` found a host of the engine.
    DeployHost {
        host: &'a str,
        id: &'a str,
        version: &'a str,
    },
    /// A version of the service runs on a host (`started`: now; else it already ran).
    DeployStarted {
        host: &'a str,
        workload: &'a str,
        started: bool,
    },
    /// The version a host ran before was stopped there.
    DeployStopped { host: &'a str, workload: &'a str },
    /// The end of a deploy.
    Deployed {
        workload: &'a str,
        image: &'a str,
        hosts: usize,
    },
    /// A request `compose serve` answered (the access log).
    Request {
        method: &'a str,
        path: &'a str,
        status: u16,
        duration_ms: f64,
        error: Option<&'a str>,
        denied_http: &'a [String],
    },
    /// `compose serve` closed a client's connection, and why (a slow or idle client).
    ConnectionClosed { peer: String, reason: String },
    /// `compose serve` refused new connections (`--max-connections`).
    ConnectionsRefused { count: usize, open: usize },
    /// `compose serve --watch` swapped in a rebuilt component.
    Reloaded { output: &'a Path },
    /// `compose serve --watch` could not rebuild; the old component is still served.
    ReloadFailed { message: &'a str },
    /// `compose serve` stopped.
    Stopped { unfinished: usize },
    /// Any command that failed.
    Error {
        code: Option<String>,
        message: String,
        help: Option<String>,
    },
}

impl<'a> Message<'a> {
    /// The `component` message of a build's component.
    pub fn component(c: &'a ComponentReport) -> Self {
        Message::Component {
            component: &c.name,
            language: &c.language,
            world: &c.world,
            artifact: &c.artifact,
            size: c.size,
            fresh: c.fresh,
            imports: &c.imports,
            exports: &c.exports,
            timings: &c.timings,
        }
    }

    /// The `component-checked` message of a build's component.
    pub fn checked(c: &'a ComponentReport, max_size: Option<u64>) -> Self {
        Message::ComponentChecked {
            component: &c.name,
            world: &c.world,
            declared_at: &c.declared_at,
            language: &c.language,
            artifact: &c.artifact,
            imports: &c.imports,
            exports: &c.exports,
            size: c.size,
            max_size,
        }
    }

    /// The `request` message of a served request.
    pub fn request(log: &'a compose_runtime::AccessLog) -> Self {
        Message::Request {
            method: &log.method,
            path: &log.path,
            status: log.status,
            duration_ms: log.duration.as_secs_f64() * 1000.0,
            error: log.error.as_deref(),
            denied_http: &log.denied,
        }
    }

    /// The message as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!("{{\"type\":\"error\",\"message\":\"cannot write a message: {e}\"}}")
        })
    }
}
