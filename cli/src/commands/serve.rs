//! `compose serve [FILE|REFERENCE]`: serves an HTTP component (the project's result, built
//! first; a file; or one pulled from a registry), one fresh sandboxed instance per request.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use compose_project::ops::{self, ServeNotice, ServeRequest, Watch};
use compose_project::sandbox::{
    format_duration, parse_duration, ConnectionLimits, ServeConfig, ServeEvent,
};
use compose_project::{ComposeHome, Message};

use super::ManifestArg;
use crate::output::{emit, json, status};

#[derive(clap::Args)]
pub struct Args {
    /// A component file, or a registry reference (`ns:name@version`,
    /// `host/repository:tag`), instead of the project's composed result.
    #[arg(value_name = "FILE|REFERENCE")]
    target: Option<String>,
    /// Compose the handler with this library first, in memory (repeat for more), as `compose
    /// run --plug` does.
    #[arg(long, value_name = "LIB.wasm", requires = "target")]
    plug: Vec<PathBuf>,
    /// Where to listen: `IP:PORT`, `localhost:PORT` or `:PORT` (on 127.0.0.1); port 0 takes
    /// any free port (the one taken is printed).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    addr: SocketAddr,
    #[command(flatten)]
    service: super::sandbox::ServiceArgs,
    /// Requests handled at once; the instances they need are reserved up front.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_concurrency: u32,
    /// Requests one instance of a WASI 0.3 handler takes at once (1: a fresh instance per
    /// request). More saves memory per request, at isolation's cost: requests sharing an
    /// instance share its memory and `--max-memory`, and end with it when one of them traps
    /// or spins past `--timeout`.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests_per_instance: u32,
    /// Requests waiting for a free slot; beyond them, requests get 503.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_queue: usize,
    /// How long in-flight requests may take to finish after Ctrl-C or SIGTERM; those still
    /// running then are stopped.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    shutdown_timeout: Duration,
    /// Connections open at once; a connection beyond them is answered 503 and closed.
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::DEFAULT_MAX_CONNECTIONS as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// How long a client may take to send a request's head, from its connection's opening
    /// or from the first byte of a later request.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// How long a kept-alive connection may wait, idle, for its next request.
    #[arg(long, value_name = "DURATION", default_value = "75s", value_parser = parse_duration)]
    keep_alive_timeout: Duration,
    /// How long a response may wait for the client to take its next bytes.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    idle_timeout: Duration,
    /// Rebuild when a source changes and serve the new component once it built and checked;
    /// a failed build keeps the old one served.
    #[arg(long)]
    watch: bool,
    /// Print what each request would be granted and its limits, and do not serve.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    build: super::build::RegistryArgs,
}

impl Args {
    /// The server's own bounds, as `--explain` says them.
    fn describe_serving(&self) -> String {
        let show = format_duration;
        format!(
            "at most {} open (--max-connections); a request's head within {} (--header-timeout); idle between requests at most {} (--keep-alive-timeout); a response's bytes taken within {} (--idle-timeout); {} requests at once (--max-concurrency), {} waiting (--max-queue); {} (--requests-per-instance); {} to finish on shutdown (--shutdown-timeout)",
            self.max_connections,
            show(self.header_timeout),
            show(self.keep_alive_timeout),
            show(self.idle_timeout),
            self.max_concurrency,
            self.max_queue,
            match self.requests_per_instance {
                1 => "a fresh instance per request".to_string(),
                n => format!("up to {n} requests share an instance of a WASI 0.3 handler"),
            },
            show(self.shutdown_timeout)
        )
    }

    fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.max_connections as usize,
            header_timeout: self.header_timeout,
            keep_alive_timeout: self.keep_alive_timeout,
            idle_timeout: self.idle_timeout,
        }
    }
}

pub fn exec(args: Args) -> miette::Result<i32> {
    let home = ComposeHome::from_env();
    let manifest = match &args.target {
        Some(_) => None,
        None => Some(args.manifest.load()?),
    };
    let grants = ops::grants_for(
        manifest.as_ref(),
        args.service.grants.grants(Vec::new(), false),
        &args.service.grants.env,
    )?;
    let limits = ops::serve_limits(manifest.as_ref(), args.service.limits.limits());
    let mut described = grants.describe();
    described.extend(
        args.service
            .allow_http
            .iter()
            .map(|r| format!("outgoing HTTP to {r}")),
    );
    if args.explain {
        println!(
            "each request: granted {}",
            if described.is_empty() {
                "nothing".into()
            } else {
                described.join("; ")
            }
        );
        println!(
            "limits per request: {}",
            super::run::describe_limits(&limits)
        );
        println!("connections: {}", args.describe_serving());
        let plugged = match &args.target {
            Some(target) if !args.plug.is_empty() => {
                Some(ops::plug(Path::new(target), &args.plug)?)
            }
            _ => None,
        };
        super::run::explain_capabilities(manifest.as_ref(), plugged.as_ref())?;
        return Ok(0);
    }
    let options = args.build.options();
    let (path, watch) = match (&args.target, manifest) {
        (Some(target), _) => {
            let path = component_file(target, &home, args.build.offline)?;
            let watch = args.watch.then(|| {
                let file = path.clone();
                Watch {
                    sources: path.clone(),
                    rebuild: Box::new(move || Ok(file.clone())),
                }
            });
            (path, watch)
        }
        (None, Some(manifest)) => {
            let path = super::build::build(&manifest, options)?.output;
            let watch = args.watch.then(|| Watch {
                sources: manifest.root_dir.clone(),
                rebuild: Box::new(move || {
                    super::build::build(&manifest, options)
                        .map(|report| report.output)
                        .map_err(|report| format!("{report:?}"))
                }),
            });
            (path, watch)
        }
        (None, None) => unreachable!("a manifest is loaded when no file is given"),
    };
    if !described.is_empty() {
        status(
            "Granting",
            &format!("each request: {}", described.join("; ")),
        );
    }
    let connections = args.connections();
    let request = ServeRequest {
        path,
        plugs: args.plug,
        addr: args.addr,
        config: ServeConfig {
            grants,
            limits,
            allow_http: args.service.allow_http,
            max_concurrency: args.max_concurrency as usize,
            max_queue: args.max_queue,
            requests_per_instance: args.requests_per_instance as usize,
            shutdown_grace: args.shutdown_timeout,
            connections,
        },
        watch,
    };
    ops::serve(request, &home, print)?;
    Ok(0)
}

/// `IP:PORT`, `localhost:PORT`, or `:PORT` for 127.0.0.1 (never every interface unless asked
/// with `0.0.0.0:PORT`).
fn parse_addr(spec: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = spec.parse() {
        return Ok(addr);
    }
    let bad = || {
        format!("`{spec}` is not an address to listen on (expected `IP:PORT`, `localhost:PORT` or `:PORT`)")
    };
    let (host, port) = spec.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    match host {
        "" | "localhost" => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
        _ => Err(bad()),
    }
}

/// The file to serve: `target` itself when it is a file, else a reference pulled into
/// compose's registry cache (`served/`).
fn component_file(target: &str, home: &ComposeHome, offline: bool) -> miette::Result<PathBuf> {
    let path = Path::new(target);
    if path.exists() || target.ends_with(".wasm") || !target.contains(':') {
        return Ok(path.to_path_buf());
    }
    let client = home.registry_client(offline)?;
    let file = home.registry_cache().join("served").join(format!(
        "{}.wasm",
        target.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "_")
    ));
    let pulled = ops::pull(&client, target, &file)?;
    status("Pulled", &pulled.reference.to_string());
    Ok(file)
}

fn print(notice: &ServeNotice) {
    match notice {
        ServeNotice::Server(ServeEvent::Listening {
            addr,
            interface,
            requests_per_instance,
        }) => {
            let url = format!("http://{addr}");
            if json() {
                emit(&Message::Serving {
                    url: url.clone(),
                    interface: interface.clone(),
                    requests_per_instance: *requests_per_instance,
                });
            }
            let instances = match requests_per_instance {
                1 => "a fresh instance per request".to_string(),
                n => format!("up to {n} requests share an instance"),
            };
            status(
                "Serving",
                &format!("{url} ({interface}; {instances}; Ctrl-C stops)"),
            );
        }
        ServeNotice::Server(ServeEvent::Request(log)) => {
            if json() {
                return emit(&Message::request(log));
            }
            let mut line = format!(
                "{} {} {} {:.2}ms",
                log.method,
                log.path,
                log.status,
                log.duration.as_secs_f64() * 1000.0
            );
            if let Some(error) = &log.error {
                line.push_str(&format!(" error: {error}"));
            }
            for denied in &log.denied {
                line.push_str(&format!(
                    " denied: outgoing HTTP to {denied} (grant it with --allow-http {denied})"
                ));
            }
            println!("{line}");
        }
        ServeNotice::Server(ServeEvent::ConnectionClosed { peer, why }) => {
            if json() {
                return emit(&Message::ConnectionClosed {
                    peer: peer.to_string(),
                    reason: why.to_string(),
                });
            }
            println!("closed connection from {peer}: {why}");
        }
        ServeNotice::Server(ServeEvent::ConnectionsRefused { count, open }) => {
            if json() {
                return emit(&Message::ConnectionsRefused {
                    count: *count,
                    open: *open,
                });
            }
            println!("refused {count} connection(s) with 503: {open} open (--max-connections)");
        }
        ServeNotice::Server(ServeEvent::ShuttingDown { in_flight }) => status(
            "Stopping",
            &format!("no new connections; {in_flight} request(s) still running"),
        ),
        ServeNotice::Server(ServeEvent::Stopped { unfinished }) => {
            if json() {
                emit(&Message::Stopped {
                    unfinished: *unfinished,
                });
            }
            match unfinished {
                0 => status("Stopped", "every request finished"),
                n => status(
                    "Stopped",
                    &format!(
                        "{n} request(s) had not finished within --shutdown-timeout and were ended"
                    ),
                ),
            }
        }
        ServeNotice::Rebuilding => status("Rebuilding", "a source changed"),
        ServeNotice::Reloaded { path } => {
            if json() {
                emit(&Message::Reloaded { output: path });
            }
            status(
                "Reloaded",
                &format!("{} (new requests get it)", path.display()),
            );
        }
        ServeNotice::ReloadFailed { message } => {
            if json() {
                emit(&Message::ReloadFailed { message });
            }
            eprintln!("{message}");
            status("Serving", "the previous component, since this one failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_addr;

    #[test]
    fn addresses_default_to_the_loopback() {
        assert_eq!(parse_addr(":8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(
            parse_addr("localhost:0").unwrap().to_string(),
            "127.0.0.1:0"
        );
        assert_eq!(parse_addr("[::1]:80").unwrap().to_string(), "[::1]:80");
        assert!(parse_addr("localhost").unwrap_err().contains("`IP:PORT`"));
        assert!(parse_addr("example.com:80").is_err());
    }
}
