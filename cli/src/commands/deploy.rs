//! `compose deploy`: the project's HTTP service published and started on every host of an
//! engine that runs components on many machines (wasmCloud), the new version beside the old
//! before the old is stopped.

use std::time::Duration;

use compose_project::ops::{self, DeployNotice, DeployRequest};
use compose_project::sandbox::parse_duration;
use compose_project::{ComposeHome, Message};

use super::ManifestArg;
use crate::output::{emit, json, status};

#[derive(clap::Args)]
pub struct Args {
    /// Where to publish the component: `host:port/repository`, with a `:tag` or without (the
    /// tag is then `sha-` and 12 hex digits of its content). Default: `[deploy] image`.
    #[arg(long, value_name = "REPOSITORY[:TAG]")]
    image: Option<String>,
    /// The host name requests reach the service by: the engine routes by the `Host` header.
    /// Default: `[deploy] http-host`.
    #[arg(long, value_name = "NAME")]
    http_host: Option<String>,
    /// The engine's NATS. Default: `[deploy] nats`, else `nats://127.0.0.1:4222`.
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// The service's name. Default: `[deploy] name`, else the project's.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// How long to listen for hosts (each sends a heartbeat every 15 s).
    #[arg(long, value_name = "DURATION", default_value = "16s", value_parser = parse_duration)]
    wait: Duration,
    /// Stop listening as soon as this many hosts are heard.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    hosts: Option<u32>,
    #[command(flatten)]
    service: super::sandbox::ServiceArgs,
    /// Print the engine's description of the service, and publish and apply nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    build: super::build::RegistryArgs,
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let home = ComposeHome::from_env();
    let manifest = args.manifest.load()?;
    let defaults = manifest.deploy.clone();
    let missing = |flag: &str, what: &str, example: &str| {
        miette::miette!(
            code = "compose::deploy::input",
            help = format!("pass `--{flag} {example}`, or write `{flag} = \"{example}\"` under `[deploy]` in compose.toml"),
            "compose deploy needs `--{flag}`: {what}"
        )
    };
    let image = args
        .image
        .or(defaults.image)
        .ok_or_else(|| {
            missing(
                "image",
                "the registry repository the component is published to, where the engine's hosts pull it",
                "127.0.0.1:5000/hello",
            )
        })?;
    let http_host = args.http_host.or(defaults.http_host).ok_or_else(|| {
        missing(
            "http-host",
            "the host name requests reach the service by (the engine routes by the `Host` header)",
            "hello.example.com",
        )
    })?;
    let grants = ops::grants_for(
        Some(&manifest),
        args.service.grants.grants(Vec::new(), false),
        &args.service.grants.env,
    )?;
    let request = DeployRequest {
        name: args
            .name
            .or(defaults.name)
            .unwrap_or_else(|| manifest.name.clone()),
        image,
        http_host,
        nats: args
            .nats
            .or(defaults.nats)
            .unwrap_or_else(|| "nats://127.0.0.1:4222".into()),
        wait: args.wait,
        hosts: args.hosts.map(|n| n as usize),
        grants,
        allow_http: args.service.allow_http,
        limits: ops::limits_for(Some(&manifest), args.service.limits.limits()),
        state_dir: manifest.root_dir.join("target/compose/deploy"),
    };
    request.check()?;
    let wasm = super::build::build(&manifest, args.build.options())?.output;
    if args.dry_run {
        let description = ops::describe(&wasm, &request)?;
        if json() {
            emit(&Message::DeployDescription {
                engine: description.engine,
                description: &description.document,
            });
            return Ok(0);
        }
        status(
            "Would apply",
            &format!(
                "to every {} host heard on {} (nothing published or started)",
                description.engine, request.nats
            ),
        );
        println!(
            "{}",
            serde_json::to_string_pretty(&description.document).expect("JSON serialises")
        );
        return Ok(0);
    }
    let client = home.registry_client(false)?;
    status(
        "Deploying",
        &format!("{} to {}", request.name, request.nats),
    );
    let deployed = ops::deploy(&wasm, &request, &client, show)?;
    let workload = &deployed.workload;
    if json() {
        emit(&Message::Deployed {
            workload,
            image: &deployed.image,
            hosts: deployed.hosts.len(),
        });
    }
    status(
        "Deployed",
        &format!(
            "{workload} on {} host(s); requests with `Host: {}` reach it on each host's HTTP address",
            deployed.hosts.len(),
            request.http_host
        ),
    );
    Ok(0)
}

/// Says what a deploy does as it does it: status lines, and messages with `--message-format
/// json`.
fn show(notice: DeployNotice) {
    match notice {
        DeployNotice::Published { reference } => status("Published", &reference),
        DeployNotice::HostHeard(host) => {
            if json() {
                emit(&Message::DeployHost {
                    host: &host.name,
                    id: &host.id,
                    version: &host.version,
                });
            }
            status("Found", &format!("host {host}, wasmCloud {}", host.version))
        }
        DeployNotice::Started { host, workload } => {
            running(&host.name, &workload, true);
            status("Started", &format!("{workload} on {}", host.name))
        }
        DeployNotice::AlreadyRunning { host, workload } => {
            running(&host.name, &workload, false);
            status("Running", &format!("{workload} on {} (already)", host.name))
        }
        DeployNotice::Stopped { host, workload } => {
            if json() {
                emit(&Message::DeployStopped {
                    host: &host.name,
                    workload: &workload,
                });
            }
            status(
                "Stopped",
                &format!("{workload} on {} (the previous version)", host.name),
            )
        }
    }
}

fn running(host: &str, workload: &str, started: bool) {
    if json() {
        emit(&Message::DeployStarted {
            host,
            workload,
            started,
        });
    }
}
