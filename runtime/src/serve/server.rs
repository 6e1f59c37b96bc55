//! The HTTP/1.1 server: accepts connections, admits requests up to the concurrency bound (a
//! queue behind it, 503 when full), runs each in a fresh instance under the run's limits, logs
//! it, and stops gracefully on Ctrl-C or SIGTERM.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, Notify, Semaphore};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

use super::{Handler, HttpRule, Outgoing};
use crate::store::{classify, denied_http, new_store, over_budget, Stopped};
use crate::{Grants, LimitKind, Limits, RunError};

/// How often the engine's epoch advances while serving: the granularity of `--timeout`.
const TICK: Duration = Duration::from_millis(10);

/// How a server runs its requests.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// What each request's instance may touch (directories, environment, ...).
    pub grants: Grants,
    /// What each request may consume; `timeout` bounds a whole request, body included.
    pub limits: Limits,
    /// Hosts outgoing HTTP may reach; none when empty.
    pub allow_http: Vec<HttpRule>,
    /// Requests handled at once (and instances alive at once).
    pub max_concurrency: usize,
    /// Requests waiting for a free slot before new ones get a 503.
    pub max_queue: usize,
    /// How long in-flight requests may take to finish after Ctrl-C or SIGTERM.
    pub shutdown_grace: Duration,
}

/// One served request, as the access log shows it.
#[derive(Debug, Clone)]
pub struct AccessLog {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The status sent (or that would have been, had the client stayed).
    pub status: u16,
    /// From arrival to the end of the response body.
    pub duration: Duration,
    /// Why it failed, when it did (a trap, a limit, a full queue).
    pub error: Option<String>,
    /// Outgoing HTTP requests it was refused (`host:port`).
    pub denied: Vec<String>,
}

/// What a server reports while it runs.
#[derive(Debug, Clone)]
pub enum ServeEvent {
    /// It listens on this address.
    Listening { addr: SocketAddr },
    /// A request ended.
    Request(AccessLog),
    /// Ctrl-C or SIGTERM: no new connections; this many requests are still running.
    ShuttingDown { in_flight: usize },
    /// It stopped; this many requests had not finished within the grace period.
    Stopped { unfinished: usize },
}

type Events = Arc<dyn Fn(&ServeEvent) + Send + Sync>;

/// Swaps the served handler while the server runs: requests that started keep the handler
/// they started on, new ones get the new one.
#[derive(Clone)]
pub struct Reloader {
    current: Arc<RwLock<Arc<Handler>>>,
    stop: Arc<Notify>,
}

impl Reloader {
    /// Serves `handler` from the next request on.
    pub fn reload(&self, handler: Handler) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = Arc::new(handler);
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
    /// in-flight requests finish within the grace period, and returns.
    pub fn run(self, events: impl Fn(&ServeEvent) + Send + Sync + 'static) -> Result<(), RunError> {
        let engine_error = |e: std::io::Error| RunError::Engine {
            message: format!("cannot start the server's executor: {e}"),
        };
        let executor = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(engine_error)?;
        let events: Events = Arc::new(events);
        executor.block_on(self.serve(events))
    }

    async fn serve(self, events: Events) -> Result<(), RunError> {
        let listener =
            tokio::net::TcpListener::from_std(self.listener).map_err(|e| RunError::Bind {
                addr: self.addr.to_string(),
                message: e.to_string(),
                help: "this system does not allow a non-blocking listener".into(),
            })?;
        let shared = Arc::new(Shared {
            slots: Arc::new(Semaphore::new(self.config.max_concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            epochs: self
                .config
                .limits
                .wall_clock()
                .map(|d| (d.as_nanos() / TICK.as_nanos()) as u64 + 1),
            allow_http: self.config.allow_http.clone().into(),
            current: self.reloader.current.clone(),
            events: events.clone(),
            config: self.config,
        });
        let ticker = shared.epochs.map(|_| {
            let engine = shared.handler().pre.engine().clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(TICK);
                loop {
                    tick.tick().await;
                    engine.increment_epoch();
                }
            })
        });
        events(&ServeEvent::Listening { addr: self.addr });
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.keep_alive(true);
        let stop = self.reloader.stop.clone();
        let signal = shutdown_signal(stop);
        tokio::pin!(signal);
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors, a connection reset before accept: go on.
                    Err(_) => continue,
                },
                () = &mut signal => break,
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(shared.handle(request).await) }
            });
            let connection = http.serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
        drop(listener);
        let in_flight = shared.in_flight.load(Ordering::SeqCst);
        events(&ServeEvent::ShuttingDown { in_flight });
        let grace = shared.config.shutdown_grace;
        let finished = tokio::time::timeout(grace, async {
            graceful.shutdown().await;
            while shared.in_flight.load(Ordering::SeqCst) > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let unfinished = match finished {
            Ok(()) => 0,
            Err(_) => shared.in_flight.load(Ordering::SeqCst),
        };
        if let Some(ticker) = ticker {
            ticker.abort();
        }
        events(&ServeEvent::Stopped { unfinished });
        Ok(())
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

/// What every request shares.
struct Shared {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    in_flight: AtomicUsize,
    /// Epoch ticks a request may run, when it has a wall-clock bound.
    epochs: Option<u64>,
    allow_http: Arc<[HttpRule]>,
    current: Arc<RwLock<Arc<Handler>>>,
    events: Events,
    config: ServeConfig,
}

/// A request as it arrived, for its access-log line.
#[derive(Clone)]
struct Arrival {
    start: Instant,
    method: String,
    path: String,
}

impl Arrival {
    fn log(
        &self,
        events: &(dyn Fn(&ServeEvent) + Send + Sync),
        status: u16,
        error: Option<String>,
        denied: Vec<String>,
    ) {
        events(&ServeEvent::Request(AccessLog {
            method: self.method.clone(),
            path: self.path.clone(),
            status,
            duration: self.start.elapsed(),
            error,
            denied,
        }));
    }
}

impl Shared {
    fn handler(&self) -> Arc<Handler> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<HyperOutgoingBody> {
        let arrival = Arrival {
            start: Instant::now(),
            method: request.method().to_string(),
            path: request
                .uri()
                .path_and_query()
                .map_or_else(|| request.uri().path().to_string(), |p| p.to_string()),
        };
        let log = |status: u16, error: Option<String>, denied: Vec<String>| {
            arrival.log(&*self.events, status, error, denied)
        };
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.config.max_queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    let why = format!(
                        "{} requests running and {} waiting (--max-concurrency, --max-queue)",
                        self.config.max_concurrency, self.config.max_queue
                    );
                    log(503, Some(format!("busy: {why}")), Vec::new());
                    return plain(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the server is busy; try again",
                    );
                }
                let permit = self.slots.clone().acquire_owned().await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                match permit {
                    Ok(p) => p,
                    Err(_) => {
                        return plain(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping")
                    }
                }
            }
        };
        let handler = self.handler();
        let what = handler.what.clone();
        let mut store = match new_store(
            handler.pre.engine(),
            "serve",
            &self.config.grants,
            &self.config.limits,
            Outgoing::new(self.allow_http.clone()),
            self.epochs.unwrap_or(u64::MAX),
        ) {
            Ok(s) => s,
            Err(e) => {
                log(500, Some(e.to_string()), Vec::new());
                return plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the request's sandbox could not be set up",
                );
            }
        };
        // The status the guest set, read by the log when the instance ends (after its body).
        let status = Arc::new(AtomicU16::new(0));
        let (sent, response) = oneshot::channel();
        let set = status.clone();
        let ids = (|| -> wasmtime::Result<_> {
            let mut http = store.data_mut().http();
            let incoming = http.new_incoming_request(Scheme::Http, request)?;
            let out = http.new_response_outparam_from_callback(move |r| {
                let code = match &r {
                    Ok(resp) => resp.status().as_u16(),
                    Err(_) => 500,
                };
                set.store(code, Ordering::SeqCst);
                let _ = sent.send(r);
            })?;
            Ok((incoming, out))
        })();
        let (incoming, out) = match ids {
            Ok(ids) => ids,
            Err(e) => {
                log(400, Some(format!("{e:#}")), Vec::new());
                return plain(StatusCode::BAD_REQUEST, "the request could not be read");
            }
        };
        let (ended_tx, ended) = oneshot::channel::<Result<(), RunError>>();
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let shared = self.clone();
        let arrival = arrival.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let limits = &shared.config.limits;
            let run = async {
                let proxy = handler.pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, incoming, out)
                    .await
            };
            let outcome = match limits.wall_clock() {
                Some(bound) => tokio::time::timeout(bound, run).await.ok(),
                None => Some(run.await),
            };
            let budget_hit = over_budget(&store);
            let outcome = match outcome {
                Some(Ok(())) => Ok(()),
                Some(Err(e)) => Err(classify(&what, Stopped::Failed(e), budget_hit, limits)),
                None => Err(classify(&what, Stopped::OutOfTime, budget_hit, limits)),
            };
            let denied = denied_http(&mut store);
            drop(store);
            let set = status.load(Ordering::SeqCst);
            let code = match (&outcome, set) {
                (_, s) if s != 0 => s,
                (Ok(()), _) => 500,
                (Err(e), _) => failure_status(e).as_u16(),
            };
            let error = match (&outcome, set) {
                (Err(e), _) => Some(one_line(e)),
                (Ok(()), 0) => Some("the handler returned without setting a response".into()),
                (Ok(()), _) => None,
            };
            arrival.log(&*shared.events, code, error, denied);
            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
            let _ = ended_tx.send(outcome);
        });
        match response.await {
            Ok(Ok(resp)) => resp,
            Ok(Err(code)) => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("the handler answered with an error: {code:?}"),
            ),
            // The instance ended without a response: say why.
            Err(_) => match ended.await {
                Ok(Err(e)) => plain(failure_status(&e), &client_reason(&e)),
                _ => plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the handler returned without setting a response",
                ),
            },
        }
    }
}

/// The status a failed request gets: 504 when it ran out of time, 500 otherwise.
fn failure_status(e: &RunError) -> StatusCode {
    match e {
        RunError::Limit {
            kind: LimitKind::Timeout,
            ..
        } => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A failure in one line for the access log: a trap's cause without its backtrace (the
/// guest's own message, a panic's, went to stderr as it happened).
fn one_line(e: &RunError) -> String {
    match e {
        RunError::Trap { message, .. } => {
            let cause = message
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("a trap");
            format!("trapped: {}", cause.trim_start_matches("wasm trap: "))
        }
        other => other.to_string(),
    }
}

/// What the client is told about a failure (the log has the details).
fn client_reason(e: &RunError) -> String {
    match e {
        RunError::Limit { kind, .. } => format!("the handler hit its {kind}"),
        RunError::Trap { .. } => "the handler trapped".into(),
        _ => "the handler failed".into(),
    }
}

fn plain(status: StatusCode, message: &str) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(format!("{message}\n")))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::Mutex;

    use super::*;
    use crate::Runtime;

    /// A `wasi:http/proxy` component whose handler traps (`unreachable`), made from the WIT the
    /// runtime embeds.
    fn trapping_handler() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("deps")).unwrap();
        for (name, text) in crate::WASI_WIT {
            std::fs::write(dir.path().join("deps").join(name), text).unwrap();
        }
        std::fs::write(
            dir.path().join("world.wit"),
            "package test:served;\nworld handler { include wasi:http/proxy@0.2.12; }\n",
        )
        .unwrap();
        let mut resolve = wit_parser::Resolve::default();
        let (package, _) = resolve.push_dir(dir.path()).unwrap();
        let world = resolve.select_world(&[package], Some("handler")).unwrap();
        let mut module =
            wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
        )
        .unwrap();
        wit_component::ComponentEncoder::default()
            .module(&module)
            .unwrap()
            .validate(true)
            .encode()
            .unwrap()
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn a_trapping_handler_fails_its_request_and_the_server_goes_on_until_stopped() {
        let limits = Limits::default();
        let runtime = Runtime::new(None, &limits).unwrap();
        let loaded = runtime.load("trapper", &trapping_handler()).unwrap();
        let handler = runtime.handler(&loaded).unwrap();
        let config = ServeConfig {
            grants: Grants::default(),
            limits,
            allow_http: Vec::new(),
            max_concurrency: 2,
            max_queue: 2,
            shutdown_grace: Duration::from_secs(5),
        };
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), handler, config).unwrap();
        let addr = server.local_addr();
        let reloader = server.reloader();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let events = seen.clone();
        let serving = std::thread::spawn(move || {
            server.run(move |e| events.lock().unwrap().push(format!("{e:?}")))
        });
        for _ in 0..2 {
            let answer = get(addr, "/any");
            assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
            assert!(answer.ends_with("the handler trapped\n"), "{answer}");
        }
        reloader.stop();
        serving.join().unwrap().unwrap();
        let seen = seen.lock().unwrap().join("\n");
        assert!(seen.contains("status: 500"), "{seen}");
        assert!(seen.contains("trapped: wasm `unreachable`"), "{seen}");
        assert!(seen.contains("Stopped { unfinished: 0 }"), "{seen}");
    }

    #[test]
    fn a_component_that_is_no_handler_is_refused_naming_its_exports() {
        let bytes = wat::parse_str(
            r#"(component
                (core module $m (func (export "f") (result i32) i32.const 7))
                (core instance $i (instantiate $m))
                (func (export "f") (result u32) (canon lift (core func $i "f"))))"#,
        )
        .unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let loaded = runtime.load("lib", &bytes).unwrap();
        let err = runtime.handler(&loaded).err().expect("refused");
        assert!(
            matches!(&err, RunError::NotAnHttpHandler { exports, .. } if exports == &["f"]),
            "{err}"
        );
    }

    #[test]
    fn a_port_in_use_is_refused_with_what_to_do() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let loaded = runtime.load("trapper", &trapping_handler()).unwrap();
        let config = ServeConfig {
            grants: Grants::default(),
            limits: Limits::default(),
            allow_http: Vec::new(),
            max_concurrency: 1,
            max_queue: 0,
            shutdown_grace: Duration::from_secs(1),
        };
        let err = Server::bind(
            taken.local_addr().unwrap(),
            runtime.handler(&loaded).unwrap(),
            config,
        )
        .err()
        .expect("refused");
        assert!(
            matches!(&err, RunError::Bind { help, .. } if help.contains("pick another port")),
            "{err}"
        );
    }
}
