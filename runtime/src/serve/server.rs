//! The HTTP/1.1 server: binds its address, accepts connections up to `--max-connections`,
//! watches each (slow and idle clients are closed), hands each request to the request path
//! (`request.rs`), and stops gracefully on Ctrl-C or SIGTERM.
//!
//! Two executors, so that guests cannot take the server with them: connections are accepted
//! and read on one, instances run on the other; the engine's epoch is ticked by a thread of
//! its own (`clock.rs`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::sync::{Notify, Semaphore};

use super::clock::Ticker;
use super::connection::{watch, Tracked, TrackedBody, Watched};
use super::request::{Events, Shared};
use super::response::TOO_MANY_CONNECTIONS;
use super::{ConnectionLimits, Handler, ServeConfig, ServeEvent};
use crate::RunError;

/// How long stopped guests get to end (and be logged) once the grace period is over.
const STOP_WAIT: Duration = Duration::from_secs(1);

/// Swaps the served handler while the server runs: requests that started keep the handler
/// they started on, new ones get the new one.
#[derive(Clone)]
pub struct Reloader {
    current: Arc<RwLock<Arc<Handler>>>,
    stop: Arc<Notify>,
    config: Arc<ServeConfig>,
}

impl Reloader {
    /// Serves `handler` from the next request on, if it can be served as the server is
    /// configured (a WASI 0.2 handler cannot share instances).
    pub fn reload(&self, handler: Handler) -> Result<(), RunError> {
        self.config.check_sharing(&handler)?;
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = Arc::new(handler);
        Ok(())
    }

    /// The handler new requests get.
    fn current(&self) -> Arc<Handler> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the server as Ctrl-C would.
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

/// A server bound to its address, not yet serving.
pub struct Server {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    reloader: Reloader,
    config: ServeConfig,
}

impl Server {
    /// Binds `addr` for `handler`. A port in use (or not ours to take) is an error here.
    pub fn bind(addr: SocketAddr, handler: Handler, config: ServeConfig) -> Result<Self, RunError> {
        config.check_sharing(&handler)?;
        let listener = std::net::TcpListener::bind(addr).map_err(|e| {
            let help = match e.kind() {
                std::io::ErrorKind::AddrInUse => format!(
                    "another process listens on port {}: stop it, or pick another port with `--addr {}:PORT` (`:0` takes any free one)",
                    addr.port(),
                    addr.ip()
                ),
                std::io::ErrorKind::PermissionDenied => {
                    "ports below 1024 need privileges: pick a port above 1024".into()
                }
                _ => "check the address given to `--addr`".into(),
            };
            RunError::Bind {
                addr: addr.to_string(),
                message: e.to_string(),
                help,
            }
        })?;
        let bound = listener.local_addr().unwrap_or(addr);
        listener.set_nonblocking(true).map_err(|e| RunError::Bind {
            addr: bound.to_string(),
            message: e.to_string(),
            help: "this system does not allow a non-blocking listener".into(),
        })?;
        Ok(Self {
            listener,
            addr: bound,
            reloader: Reloader {
                current: Arc::new(RwLock::new(Arc::new(handler))),
                stop: Arc::new(Notify::new()),
                config: Arc::new(config.clone()),
            },
            config,
        })
    }

    /// The address it listens on (the port chosen, when `:0` was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that swaps the served handler or stops the server.
    pub fn reloader(&self) -> Reloader {
        self.reloader.clone()
    }

    /// Serves until Ctrl-C, SIGTERM or [`Reloader::stop`]; then stops accepting, lets
    /// in-flight requests finish within the grace period, stops those that did not, and
    /// returns.
    pub fn run(self, events: impl Fn(&ServeEvent) + Send + Sync + 'static) -> Result<(), RunError> {
        let engine_error = |e: std::io::Error| RunError::Engine {
            message: format!("cannot start the server's executors: {e}"),
        };
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let executor = |name: &str| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads)
                .thread_name(name)
                .enable_all()
                .build()
                .map_err(engine_error)
        };
        let connections = executor("compose-serve")?;
        let guests = executor("compose-guest")?;
        let engine = self
            .reloader
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .engine
            .clone();
        let ticker = Ticker::start(engine).map_err(engine_error)?;
        let events: Events = Arc::new(events);
        let served = connections.block_on(self.serve(events, guests.handle().clone()));
        // Whatever still runs (a guest blocked in a host call past every bound) is left to
        // end with the process.
        guests.shutdown_background();
        connections.shutdown_background();
        drop(ticker);
        served
    }

    async fn serve(self, events: Events, guests: tokio::runtime::Handle) -> Result<(), RunError> {
        let listener =
            tokio::net::TcpListener::from_std(self.listener).map_err(|e| RunError::Bind {
                addr: self.addr.to_string(),
                message: e.to_string(),
                help: "this system does not allow a non-blocking listener".into(),
            })?;
        let limits = self.config.connections;
        let served = self.reloader.current();
        let (interface, requests_per_instance) = (
            served.interface(),
            self.config.requests_per_instance(&served),
        );
        let shared = Arc::new(Shared::new(
            self.config,
            self.reloader.current.clone(),
            events.clone(),
            guests,
        ));
        tokio::spawn(super::memory::give_back_when_idle(shared.clone()));
        events(&ServeEvent::Listening {
            addr: self.addr,
            interface,
            requests_per_instance,
        });
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.keep_alive(true);
        let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
        let mut refused = 0;
        let mut report = tokio::time::interval(Duration::from_secs(1));
        let signal = shutdown_signal(self.reloader.stop.clone());
        tokio::pin!(signal);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // Out of file descriptors, a connection reset before accept: go on,
                    // without spinning on an error that repeats.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
                _ = report.tick() => {
                    if refused > 0 {
                        events(&refusals(refused, &limits));
                        refused = 0;
                    }
                    continue;
                }
                () = &mut signal => break,
            };
            let Ok(permit) = open.clone().try_acquire_owned() else {
                // Said at once, without waiting on the client: its send buffer is empty.
                let _ = stream.try_write(TOO_MANY_CONNECTIONS);
                refused += 1;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let watched = Watched::new();
            let io = TokioIo::new(Tracked::new(stream, watched.clone()));
            let service = {
                let (shared, watched) = (shared.clone(), watched.clone());
                hyper::service::service_fn(move |request| {
                    let busy = watched.request();
                    let shared = shared.clone();
                    async move {
                        let response = shared.handle(request).await;
                        Ok::<_, Infallible>(response.map(|body| TrackedBody::new(body, busy)))
                    }
                })
            };
            let connection = graceful.watch(http.serve_connection(io, service));
            let events = events.clone();
            tokio::spawn(async move {
                let _permit = permit;
                if let Err(why) = watch(connection, watched, limits).await {
                    events(&ServeEvent::ConnectionClosed { peer, why });
                }
            });
        }
        drop(listener);
        if refused > 0 {
            events(&refusals(refused, &limits));
        }
        events(&ServeEvent::ShuttingDown {
            in_flight: shared.admission.running(),
        });
        let grace = shared.config.shutdown_grace;
        let finished = tokio::time::timeout(grace, async {
            graceful.shutdown().await;
            while shared.admission.running() > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let unfinished = match finished {
            Ok(()) => 0,
            Err(_) => shared.admission.running(),
        };
        if unfinished > 0 {
            // Past the grace period: every running guest stops at its next tick, and the
            // waiting are refused; each is logged as it ends.
            shared
                .stopping
                .store(true, std::sync::atomic::Ordering::SeqCst);
            shared.stopped.notify_waiters();
            shared.admission.close();
            let _ = tokio::time::timeout(STOP_WAIT, async {
                while shared.admission.running() > 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
            .await;
        }
        events(&ServeEvent::Stopped { unfinished });
        Ok(())
    }
}

/// The event for `count` connections refused: each was refused with every allowed
/// connection open.
fn refusals(count: usize, limits: &ConnectionLimits) -> ServeEvent {
    ServeEvent::ConnectionsRefused {
        count,
        open: limits.max_connections,
    }
}

/// Ctrl-C, SIGTERM, or a stop asked through the [`Reloader`].
async fn shutdown_signal(stop: Arc<Notify>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        () = term => {}
        () = stop.notified() => {}
    }
}
