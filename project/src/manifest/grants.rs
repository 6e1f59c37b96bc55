//! `grants = { dirs, env, net, http }` of a component: what of the run it may use inside the
//! composition. Checked against `[run]` (a component gets no more than the run has) and
//! turned into the linker's [`Grants`].

use compose_linker::{DirView, Grants, HttpHost};
use compose_runtime::HttpRule;
use toml::Spanned;

use super::raw::RawGrants;
use super::{Locator, RunDefaults};
use crate::ProjectError;

/// A component's grants as written, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentGrants {
    /// What the linker enforces.
    pub grants: Grants,
    /// Where `grants = ...` is written (none: nothing granted).
    pub span: Option<std::ops::Range<usize>>,
}

pub(super) fn parse(
    at: &Locator<'_>,
    component: &str,
    raw: &Spanned<RawGrants>,
    run: &RunDefaults,
) -> Result<ComponentGrants, ProjectError> {
    let g = raw.get_ref();
    let mut grants = Grants::default();
    for dir in &g.dirs {
        let view = dir_view(dir.get_ref(), run).map_err(|(message, label, help)| {
            at.error(
                dir.span(),
                format!("component `{component}`: {message}"),
                label,
                Some(help),
            )
        })?;
        if !grants.dirs.contains(&view) {
            grants.dirs.push(view);
        }
    }
    for var in &g.env {
        let name = var.get_ref();
        if !run.env.iter().any(|e| &e.name == name) {
            let granted: Vec<&str> = run.env.iter().map(|e| e.name.as_str()).collect();
            return Err(at.error(
                var.span(),
                format!("component `{component}` is granted `{name}`, which the run does not grant"),
                "not a variable of the run",
                Some(format!(
                    "add it to `[run] env` (it now grants: {}), or remove it here: a component gets no more than the run",
                    none_if_empty(&granted)
                )),
            ));
        }
        if !grants.env.contains(name) {
            grants.env.push(name.clone());
        }
    }
    if let Some(net) = &g.net {
        if *net.get_ref() && run.network.is_empty() && !run.name_lookup {
            return Err(at.error(
                net.span(),
                format!("component `{component}` is granted the network, which the run does not grant"),
                "the run has no network",
                Some("add `[run] allow-net = [\"IP:PORT\", ...]` (or `allow-name-lookup = true`), or remove `net` here".into()),
            ));
        }
        grants.net = *net.get_ref();
    }
    for host in &g.http {
        // The hosts a component's outgoing HTTP may reach: never more than the server's
        // `--allow-http`, which the host still enforces for the whole handler.
        let rule = HttpRule::parse(host.get_ref()).map_err(|message| {
            at.error(
                host.span(),
                format!("component `{component}`: {message}"),
                "not a host",
                Some("write a host, with a port if it must be that one: `api.example.com`, `127.0.0.1:8081`".into()),
            )
        })?;
        let host = HttpHost {
            host: rule.host,
            port: rule.port,
        };
        if !grants.http.contains(&host) {
            grants.http.push(host);
        }
    }
    for (value, granted) in [
        (&g.stdin, &mut grants.stdin),
        (&g.stdout, &mut grants.stdout),
        (&g.stderr, &mut grants.stderr),
    ] {
        if let Some(v) = value {
            *granted = *v;
        }
    }
    Ok(ComponentGrants {
        grants,
        span: Some(raw.span()),
    })
}

/// `/data`, `/data/sub` or `/data/sub:ro`: one of the run's directories (by guest path),
/// or a folder inside one, read-only with `:ro` (or when the run's grant is).
fn dir_view(spec: &str, run: &RunDefaults) -> Result<DirView, (String, &'static str, String)> {
    let (path, read_only) = match spec.strip_suffix(":ro") {
        Some(p) => (p, true),
        None => (spec.strip_suffix(":rw").unwrap_or(spec), false),
    };
    let path = path.trim_end_matches('/');
    let granted: Vec<&str> = run.dirs.iter().map(|d| d.guest.as_str()).collect();
    let help = format!(
        "name one of the run's directories by the path the guest sees, or a folder inside one (`[run] dirs` grants: {}); a component gets no more than the run",
        none_if_empty(&granted)
    );
    let (dir, sub) = run
        .dirs
        .iter()
        .filter_map(|d| {
            let guest = d.guest.trim_end_matches('/');
            if path == guest {
                Some((d, String::new()))
            } else {
                let rest = path.strip_prefix(guest)?.strip_prefix('/')?;
                Some((d, rest.to_string()))
            }
        })
        .max_by_key(|(d, _)| d.guest.len())
        .ok_or_else(|| {
            (
                format!("`{path}` is not a directory the run grants"),
                "not a directory of the run",
                help,
            )
        })?;
    if sub
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
        && !sub.is_empty()
    {
        return Err((
            format!("`{spec}`: a folder inside a directory is named without `.`, `..` or `//`"),
            "not a plain path",
            "write the folder's path as the guest sees it, e.g. `/data/reports`".into(),
        ));
    }
    Ok(DirView {
        preopen: dir.guest.clone(),
        sub,
        // What the run grants read-only stays so.
        read_only: read_only || !dir.writable,
    })
}

fn none_if_empty(items: &[&str]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}
