//! The flags that grant a guest something or bound it, shared by `compose run` and
//! `compose serve` (where they apply to each request) and `compose deploy`.

use std::time::Duration;

use compose_project::sandbox::{
    parse_duration, parse_size, DirGrant, EnvGrant, Grants, HttpRule, Limits, NetRule,
};

/// What the guest may touch.
#[derive(clap::Args)]
pub struct GrantArgs {
    /// Grant a directory: `host::guest`, read-only unless it ends in `:rw`.
    #[arg(long = "dir", value_name = "HOST::GUEST[:rw]", value_parser = DirGrant::parse)]
    pub dirs: Vec<DirGrant>,
    /// Grant an environment variable: `NAME=value`, or `NAME` to pass the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = EnvGrant::parse)]
    pub env: Vec<EnvGrant>,
    /// Let the guest connect to or bind these addresses (TCP and UDP): `IP`, `IP:PORT`,
    /// `*:PORT`, `[IPv6]:PORT`; alone, any address. Repeatable.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "*", value_parser = NetRule::parse)]
    pub allow_net: Vec<NetRule>,
    /// Let the guest bind these addresses to listen or receive on (TCP and UDP): `IP:PORT`,
    /// `*:PORT`, ...; a rule of `--allow-net` never lets it accept connections. Repeatable.
    #[arg(long, value_name = "ADDR", value_parser = NetRule::parse)]
    pub allow_listen: Vec<NetRule>,
    /// Let the guest resolve host names.
    #[arg(long)]
    pub allow_name_lookup: bool,
}

impl GrantArgs {
    /// The grants of these flags (environment variables are resolved with the manifest's).
    pub fn grants(&self, args: Vec<String>, stdin: bool) -> Grants {
        Grants {
            dirs: self.dirs.clone(),
            env: Vec::new(),
            args,
            stdin,
            network: self.allow_net.clone(),
            listen: self.allow_listen.clone(),
            name_lookup: self.allow_name_lookup,
        }
    }
}

/// What a service (served here, or deployed) may reach and use: the grants of a run, its
/// outgoing HTTP, its limits.
#[derive(clap::Args)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub grants: GrantArgs,
    /// Let the handler send HTTP requests to this host (and port): `example.com`,
    /// `127.0.0.1:8081`. Repeatable; none is allowed by default.
    #[arg(long, value_name = "HOST[:PORT]", value_parser = HttpRule::parse)]
    pub allow_http: Vec<HttpRule>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// What the guest may consume.
#[derive(clap::Args)]
pub struct LimitArgs {
    /// Cap the guest's memory, e.g. `64MiB`.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Stop the guest after this long, e.g. `1s`, `500ms`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Stop the guest after this much fuel (about one unit per wasm instruction).
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Cap the guest's wasm stack, e.g. `1MiB` (default 512KiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_stack: Option<u64>,
}

impl LimitArgs {
    /// The limits of these flags.
    pub fn limits(&self) -> Limits {
        Limits {
            max_memory: self.max_memory,
            timeout: self.timeout,
            fuel: self.fuel,
            max_stack: self.max_stack.map(|s| s as usize),
        }
    }
}
