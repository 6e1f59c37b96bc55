//! `[run]`: the grants and limits every `compose run` of the project gets.

use std::path::Path;

use compose_runtime::{parse_duration, parse_size, DirGrant, EnvGrant, Limits, NetRule};
use toml::Spanned;

use super::raw::RawRun;
use super::Locator;
use crate::ProjectError;

/// `[run]`: grants and limits from the manifest.
#[derive(Debug, Clone, Default)]
pub struct RunDefaults {
    /// Directories (host paths relative to the project made absolute).
    pub dirs: Vec<DirGrant>,
    /// Environment variables.
    pub env: Vec<EnvGrant>,
    /// Addresses the guest may reach.
    pub network: Vec<NetRule>,
    /// Whether it may resolve names.
    pub name_lookup: bool,
    /// Limits (a flag on the command line overrides each).
    pub limits: Limits,
}

pub(super) fn parse(
    at: &Locator<'_>,
    root_dir: &Path,
    r: &RawRun,
) -> Result<RunDefaults, ProjectError> {
    let bad = |v: &Spanned<String>, key: &str, label: &str, m: String| {
        at.error(v.span(), format!("[run] {key}: {m}"), label, None)
    };
    let mut run = RunDefaults::default();
    for d in &r.dirs {
        let grant =
            DirGrant::parse(d.get_ref()).map_err(|m| bad(d, "dirs", "bad directory grant", m))?;
        run.dirs.push(DirGrant {
            host: root_dir.join(&grant.host),
            ..grant
        });
    }
    for e in &r.env {
        run.env
            .push(EnvGrant::parse(e.get_ref()).map_err(|m| bad(e, "env", "bad variable", m))?);
    }
    for rule in &r.allow_net {
        run.network.push(
            NetRule::parse(rule.get_ref())
                .map_err(|m| bad(rule, "allow-net", "bad address rule", m))?,
        );
    }
    run.name_lookup = r.allow_name_lookup;
    let size = |field: &Option<Spanned<String>>, key: &str| -> Result<Option<u64>, ProjectError> {
        field
            .as_ref()
            .map(|v| parse_size(v.get_ref()).map_err(|m| bad(v, key, "bad size", m)))
            .transpose()
    };
    run.limits.max_memory = size(&r.max_memory, "max-memory")?;
    run.limits.max_stack = size(&r.max_stack, "max-stack")?.map(|s| s as usize);
    run.limits.fuel = r.fuel;
    run.limits.timeout = r
        .timeout
        .as_ref()
        .map(|v| parse_duration(v.get_ref()).map_err(|m| bad(v, "timeout", "bad duration", m)))
        .transpose()?;
    Ok(run)
}
