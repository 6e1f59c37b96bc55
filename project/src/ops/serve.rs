//! `compose serve`: a `wasi:http/incoming-handler` component (the project's result, or a
//! file) served with a fresh sandboxed instance per request; with a watch, rebuilt on a change
//! to its sources and swapped in once it built and checked, the old one served meanwhile.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use compose_runtime::{
    Allocation, Limits, Loaded, Reloader, Runtime, ServeConfig, ServeEvent, Server, Shape,
};

use crate::{ComposeHome, Manifest, ProjectError};

/// How long a served request may take when neither `--timeout`, `[run] timeout` nor `--fuel`
/// bounds it: a public server bounds every request, so a handler that never ends (a loop, a
/// wait for a body that never comes) gives its slot back.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The limits of each served request: the run's (flags over the manifest), with
/// [`REQUEST_TIMEOUT`] when nothing bounds its time.
pub fn serve_limits(manifest: Option<&Manifest>, flags: Limits) -> Limits {
    let mut limits = super::limits_for(manifest, flags);
    if limits.wall_clock().is_none() {
        limits.timeout = Some(REQUEST_TIMEOUT);
    }
    limits
}

/// How often a watch looks at the sources.
const WATCH_EVERY: Duration = Duration::from_millis(300);

/// What `compose serve` serves and how.
pub struct ServeRequest {
    /// The component file.
    pub path: PathBuf,
    /// Libraries to compose it with first, in memory (`--plug`); read again at each reload.
    pub plugs: Vec<PathBuf>,
    /// Where to listen (`127.0.0.1:0` takes any free port).
    pub addr: SocketAddr,
    /// Grants, limits, concurrency of each request.
    pub config: ServeConfig,
    /// Rebuild and reload on a change, when set.
    pub watch: Option<Watch>,
}

/// A watch of the sources of the served component.
pub struct Watch {
    /// The file or folder whose files are watched (a project's folder, or the component file).
    pub sources: PathBuf,
    /// Builds again after a change: the new component file, or why it did not build.
    pub rebuild: Box<dyn FnMut() -> Result<PathBuf, String> + Send>,
}

/// What a server reports: the runtime's events, and the watch's.
#[derive(Debug, Clone)]
pub enum ServeNotice {
    /// From the server: listening, a request, shutting down.
    Server(ServeEvent),
    /// The sources changed: a rebuild starts.
    Rebuilding,
    /// The new component is served from the next request on.
    Reloaded { path: PathBuf },
    /// The new component did not build or is not a handler: the old one is still served.
    ReloadFailed { message: String },
}

/// Serves until Ctrl-C or SIGTERM. `notice` is told of everything that happens, from the
/// server's threads.
pub fn serve(
    request: ServeRequest,
    home: &ComposeHome,
    notice: impl Fn(&ServeNotice) + Send + Sync + 'static,
) -> Result<(), ProjectError> {
    let instances = u32::try_from(request.config.max_concurrency).unwrap_or(u32::MAX);
    let shape = pool_shape(&request, home)?;
    let runtime = Arc::new(Runtime::with_allocation(
        Some(home.compiled_cache()),
        &request.config.limits,
        Allocation::Pooled { instances, shape },
    )?);
    let handler = load_handler(&runtime, &request.path, &request.plugs)?;
    let server = Server::bind(request.addr, handler, request.config)?;
    let notice = Arc::new(notice);
    let stopped = Arc::new(AtomicBool::new(false));
    if let Some(watch) = request.watch {
        let (runtime, reloader, notice, stopped) = (
            runtime.clone(),
            server.reloader(),
            notice.clone(),
            stopped.clone(),
        );
        let plugs = request.plugs.clone();
        std::thread::spawn(move || {
            watching(watch, &plugs, &runtime, &reloader, &*notice, &stopped)
        });
    }
    let events = notice.clone();
    let served = server.run(move |event| events(&ServeNotice::Server(event.clone())));
    stopped.store(true, Ordering::SeqCst);
    Ok(served?)
}

/// The memories and tables the pool holds per instance: the served component's, found with
/// an engine that reserves nothing (its compiled code comes from the cache, as the server's
/// will). Every memory of the pool reserves 4 GiB of address space, so a pool sized to the
/// component holds 10,000 instances where one sized for any component holds about 3,000. Served
/// with `--watch`, a little room is left for the next version.
fn pool_shape(request: &ServeRequest, home: &ComposeHome) -> Result<Shape, ProjectError> {
    let probe = Runtime::new(Some(home.compiled_cache()), &request.config.limits)?;
    let shape = load(&probe, &request.path, &request.plugs)?.shape();
    Ok(match request.watch {
        Some(_) => Shape {
            memories: shape.memories + 2,
            tables: shape.tables + 8,
        },
        None => shape,
    })
}

fn load(runtime: &Runtime, path: &Path, plugs: &[PathBuf]) -> Result<Loaded, ProjectError> {
    Ok(if plugs.is_empty() {
        runtime.load_file(path, &mut |_| {})?
    } else {
        let plugged = super::plug(path, plugs)?;
        runtime.load_with(&plugged.name, &plugged.bytes, &mut |_| {})?
    })
}

fn load_handler(
    runtime: &Runtime,
    path: &Path,
    plugs: &[PathBuf],
) -> Result<compose_runtime::Handler, ProjectError> {
    Ok(runtime.handler(&load(runtime, path, plugs)?)?)
}

/// Looks at the sources every [`WATCH_EVERY`]; after a change, rebuilds and swaps.
fn watching(
    mut watch: Watch,
    plugs: &[PathBuf],
    runtime: &Runtime,
    reloader: &Reloader,
    notice: &dyn Fn(&ServeNotice),
    stopped: &AtomicBool,
) {
    // The plugs are sources too: a library changed is served from the next request on.
    let watched: Vec<PathBuf> = std::iter::once(watch.sources.clone())
        .chain(plugs.iter().cloned())
        .collect();
    let stamp_all = || watched.iter().flat_map(|p| stamp(p)).collect::<Vec<_>>();
    let mut seen = stamp_all();
    while !stopped.load(Ordering::SeqCst) {
        std::thread::sleep(WATCH_EVERY);
        let now = stamp_all();
        if now == seen {
            continue;
        }
        notice(&ServeNotice::Rebuilding);
        let reloaded = (watch.rebuild)().and_then(|path| {
            load_handler(runtime, &path, plugs)
                .and_then(|handler| Ok(reloader.reload(handler)?))
                .map(|()| path)
                .map_err(|e| format!("{:?}", miette::Report::new(e)))
        });
        match reloaded {
            Ok(path) => notice(&ServeNotice::Reloaded { path }),
            Err(message) => notice(&ServeNotice::ReloadFailed { message }),
        }
        // What the build itself wrote (lock files, outputs outside `target/`) is not a change.
        seen = stamp_all();
    }
}

/// Every watched file's path, size and modification time: any edit changes it. `sources`
/// is a folder (its source files) or one file.
fn stamp(sources: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let files: Vec<PathBuf> = if sources.is_dir() {
        compose_fs::source_files(sources)
            .unwrap_or_default()
            .into_iter()
            .map(|rel| sources.join(rel))
            .collect()
    } else {
        // Not `sources.join("")`: that is `file/`, which is no file at all.
        vec![sources.to_path_buf()]
    };
    files
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (path, len, modified)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_changes_the_stamp_and_target_does_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rs"), "fn a() {}").unwrap();
        let before = stamp(dir.path());
        std::fs::create_dir(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/out.wasm"), "x").unwrap();
        assert_eq!(stamp(dir.path()), before, "build outputs are not sources");
        std::fs::write(dir.path().join("a.rs"), "fn a() { 1; }").unwrap();
        assert_ne!(stamp(dir.path()), before);
    }

    #[test]
    fn a_file_watched_alone_changes_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.wasm");
        std::fs::write(&file, "one").unwrap();
        let before = stamp(&file);
        assert_eq!(before[0].1, 3, "its size is read: {before:?}");
        std::fs::write(&file, "three").unwrap();
        assert_ne!(stamp(&file), before);
    }
}
