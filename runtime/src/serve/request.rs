//! One request's path through the server, stage by stage: its arrival, its admission (a
//! slot, or the queue, or 503), its instance (a fresh store, run on the guests' executor
//! under the request's deadline), its outcome (the status and the access-log line), and the
//! response the client gets. With `--requests-per-instance`, a WASI 0.3 handler's admitted
//! requests go to shared instances instead (`sharing.rs`).

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use tokio::sync::oneshot;
use wasmtime::component::Resource;
use wasmtime::{AsContextMut, Store, UpdateDeadline};
use wasmtime_wasi_http::handler::{Prepared, Proxy, ProxyPre};
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::WasiHttpView;

use super::admission::{Admission, Refused};
use super::response::{client_reason, failure_status, one_line, plain};
use super::sharing::Dispatcher;
use super::{AccessLog, Handler, HttpRule, Outgoing, ServeConfig, ServeEvent};
use crate::store::{classify, denied_http, new_store, over_budget, State, Stopped};
use crate::RunError;

pub(super) type Events = Arc<dyn Fn(&ServeEvent) + Send + Sync>;

/// What every request shares.
pub(super) struct Shared {
    pub(super) admission: Admission,
    pub(super) current: Arc<RwLock<Arc<Handler>>>,
    pub(super) events: Events,
    pub(super) config: ServeConfig,
    pub(super) allow_http: Arc<[HttpRule]>,
    /// The executor instances run on, apart from the one that accepts and reads connections:
    /// a guest that occupies every one of its threads still leaves the server answering.
    pub(super) guests: tokio::runtime::Handle,
    /// Set when the shutdown's grace period is over: running guests stop at the next tick.
    pub(super) stopping: Arc<AtomicBool>,
    /// Told when `stopping` is set: shared instances whose requests all wait end then.
    pub(super) stopped: Arc<tokio::sync::Notify>,
    /// With `--requests-per-instance` above 1, the dispatcher of the served WASI 0.3
    /// handler's requests to shared instances (a new one for each handler a reload brings).
    pub(super) dispatcher: Mutex<Option<(Arc<Handler>, Dispatcher)>>,
}

impl Shared {
    pub(super) fn new(
        config: ServeConfig,
        current: Arc<RwLock<Arc<Handler>>>,
        events: Events,
        guests: tokio::runtime::Handle,
    ) -> Self {
        Self {
            admission: Admission::new(config.max_concurrency, config.max_queue),
            allow_http: config.allow_http.clone().into(),
            current,
            events,
            config,
            guests,
            stopping: Arc::new(AtomicBool::new(false)),
            stopped: Arc::new(tokio::sync::Notify::new()),
            dispatcher: Mutex::new(None),
        }
    }

    pub(super) fn handler(&self) -> Arc<Handler> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Answers one request: every stage in turn.
    pub(super) async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Response<HyperOutgoingBody> {
        let arrival = Arrival::of(&request);
        let admitted = match self.admission.admit().await {
            Ok(admitted) => admitted,
            Err(refused) => return self.refuse(&arrival, refused),
        };
        let handler = self.handler();
        if let Some(dispatcher) = self.dispatcher(&handler) {
            return self
                .answer_shared(arrival, admitted, &handler, dispatcher, request)
                .await;
        }
        let instance = match Instance::new(&self, handler, request) {
            Ok(instance) => instance,
            Err((status, error, said)) => {
                arrival.log(&*self.events, status.as_u16(), Some(error), Vec::new());
                return plain(status, said);
            }
        };
        let (response, ended) = (instance.response, instance.ended);
        // Dropped unanswered (hyper drops this future when the client closes its connection
        // first), it stops the guest; answered, it lets the guest write its body.
        let waiting = instance.waiting;
        let shared = self.clone();
        let run = instance.run;
        self.guests.spawn(async move {
            let outcome = run.run(&shared).await;
            arrival.log(
                &*shared.events,
                outcome.status(),
                outcome.error(),
                outcome.denied.clone(),
            );
            drop(admitted);
            let _ = outcome.ended.send(outcome.result);
        });
        let answer = respond(response, ended).await;
        let _ = waiting.send(());
        answer
    }

    fn refuse(&self, arrival: &Arrival, refused: Refused) -> Response<HyperOutgoingBody> {
        let (why, said) = match refused {
            Refused::Busy { running, waiting } => (
                format!(
                    "busy: {running} requests running and {waiting} waiting (--max-concurrency, --max-queue)"
                ),
                "the server is busy; try again",
            ),
            Refused::Stopping => ("the server is stopping".into(), "the server is stopping"),
        };
        arrival.log(&*self.events, 503, Some(why), Vec::new());
        plain(StatusCode::SERVICE_UNAVAILABLE, said)
    }
}

/// A request as it arrived, for its access-log line.
pub(super) struct Arrival {
    pub(super) start: Instant,
    method: String,
    path: String,
}

impl Arrival {
    fn of(request: &Request<Incoming>) -> Self {
        Self {
            start: Instant::now(),
            method: request.method().to_string(),
            path: request
                .uri()
                .path_and_query()
                .map_or_else(|| request.uri().path().to_string(), |p| p.to_string()),
        }
    }

    pub(super) fn log(
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

/// What the guest's response callback sends: the response it set, or its error code.
type Sent = Result<Response<HyperOutgoingBody>, ErrorCode>;

/// A request's instance, set up: the run to spawn, and the two ends the response stage
/// waits on.
struct Instance {
    run: Run,
    /// The response, as soon as the guest sets it (before its body is written).
    response: oneshot::Receiver<Sent>,
    /// How the instance ended, for a request that got no response.
    ended: oneshot::Receiver<Result<(), RunError>>,
    /// Told when the response is handed to the client; dropped untold, the client is gone.
    waiting: oneshot::Sender<()>,
}

/// The instance's part that runs on the guests' executor.
struct Run {
    handler: Arc<Handler>,
    store: Store<State>,
    call: Call,
    /// The status the guest set, read by the log when the instance ends (after its body).
    status: Arc<AtomicU16>,
    ended: oneshot::Sender<Result<(), RunError>>,
    /// The other end of [`Instance::waiting`].
    client: oneshot::Receiver<()>,
}

/// The call a handler of each WASI version gets.
enum Call {
    /// `incoming-handler.handle(request, response-outparam)`: the response comes back
    /// through the out-parameter's callback.
    P2 {
        incoming: Resource<HostIncomingRequest>,
        out: Resource<HostResponseOutparam>,
    },
    /// `handler.handle: async func(request) -> result<response, error-code>`.
    P3 {
        request: Box<Request<Incoming>>,
        sent: oneshot::Sender<Sent>,
    },
}

/// Why a request's sandbox could not be set up: its status, the log's words, the client's.
type SetUpError = (StatusCode, String, &'static str);

impl Instance {
    fn new(
        shared: &Shared,
        handler: Arc<Handler>,
        request: Request<Incoming>,
    ) -> Result<Self, SetUpError> {
        let limits = &shared.config.limits;
        let mut store = new_store(
            &handler.engine,
            "serve",
            &shared.config.grants,
            limits,
            Outgoing::new(shared.allow_http.clone()),
            1,
        )
        .map_err(|e| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                e.to_string(),
                "the request's sandbox could not be set up",
            )
        })?;
        yield_until(&mut store, limits.wall_clock(), shared.stopping.clone());
        let status = Arc::new(AtomicU16::new(0));
        let (sent, response) = oneshot::channel();
        let call = match &handler.pre {
            ProxyPre::P2(_) => {
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
                let (incoming, out) = ids.map_err(|e| {
                    (
                        StatusCode::BAD_REQUEST,
                        format!("{e:#}"),
                        "the request could not be read",
                    )
                })?;
                Call::P2 { incoming, out }
            }
            ProxyPre::P3(_) => Call::P3 {
                request: Box::new(request),
                sent,
            },
        };
        let (ended_tx, ended) = oneshot::channel();
        let (waiting, client) = oneshot::channel();
        Ok(Self {
            run: Run {
                handler,
                store,
                call,
                status,
                ended: ended_tx,
                client,
            },
            response,
            ended,
            waiting,
        })
    }
}

/// Makes the store give its thread back to the executor at every epoch tick, and stop at the
/// request's wall-clock bound or when the server stops: a guest that spins shares its thread
/// and ends on time, whatever else runs. The ticks come from a thread of their own
/// (`clock::Ticker`), which no guest can occupy.
pub(super) fn yield_until(
    store: &mut Store<State>,
    bound: Option<Duration>,
    stopping: Arc<AtomicBool>,
) {
    let deadline = bound.map(|b| Instant::now() + b);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        let out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        if out_of_time || stopping.load(Ordering::Relaxed) {
            return Err(wasmtime::Trap::Interrupt.into());
        }
        Ok(UpdateDeadline::Yield(1))
    });
}

/// How an instance ended: what the log says and the status the client got.
struct Outcome {
    result: Result<(), RunError>,
    /// The status the guest set (0: none).
    set: u16,
    denied: Vec<String>,
    ended: oneshot::Sender<Result<(), RunError>>,
}

impl Run {
    /// Instantiates and calls the handler, within the request's wall-clock bound (the epoch
    /// callback stops it inside wasm; the timeout drops it while it waits in a host call).
    async fn run(mut self, shared: &Shared) -> Outcome {
        let limits = &shared.config.limits;
        let what = self.handler.what.clone();
        let (store, handler, status) = (&mut self.store, &self.handler, &self.status);
        let call = async {
            let proxy = handler.pre.instantiate_async(&mut *store).await?;
            match (self.call, &proxy) {
                (Call::P2 { incoming, out }, Proxy::P2(proxy)) => {
                    proxy
                        .wasi_http_incoming_handler()
                        .call_handle(&mut *store, incoming, out)
                        .await
                }
                (Call::P3 { request, sent }, _) => {
                    respond_p3(store, &proxy, *request, sent, status).await
                }
                _ => Err(wasmtime::format_err!(
                    "the handler's WASI version changed under a request"
                )),
            }
        };
        // Until the response is handed over, a client that leaves ends the call (its
        // future dropped, the instance freed below); after, the guest writes its body.
        let client = self.client;
        let gone = AtomicBool::new(false);
        let call = async {
            tokio::select! {
                returned = call => returned,
                () = async {
                    if client.await.is_ok() {
                        std::future::pending::<()>().await;
                    }
                } => {
                    gone.store(true, Ordering::SeqCst);
                    Ok(())
                }
            }
        };
        let returned = match limits.wall_clock() {
            Some(bound) => tokio::time::timeout(bound, call).await.ok(),
            None => Some(call.await),
        };
        let result = if gone.load(Ordering::SeqCst) {
            Err(RunError::ClientGone { what })
        } else if shared.stopping.load(Ordering::SeqCst) && !matches!(returned, Some(Ok(()))) {
            Err(RunError::Stopped { what })
        } else {
            let budget_hit = over_budget(store);
            match returned {
                Some(Ok(())) => Ok(()),
                Some(Err(e)) => Err(classify(&what, Stopped::Failed(e), budget_hit, limits)),
                None => Err(classify(&what, Stopped::OutOfTime, budget_hit, limits)),
            }
        };
        let denied = denied_http(store);
        drop(self.store);
        Outcome {
            result,
            set: self.status.load(Ordering::SeqCst),
            denied,
            ended: self.ended,
        }
    }
}

/// A WASI 0.3 handler's request: `handle` called concurrently in the store's event loop,
/// its response sent on as soon as it returns one, and the loop kept going until the guest
/// has nothing left to do (it writes the body after returning the response).
async fn respond_p3(
    store: &mut Store<State>,
    proxy: &Proxy,
    request: Request<Incoming>,
    sent: oneshot::Sender<Sent>,
    status: &AtomicU16,
) -> wasmtime::Result<()> {
    let request = request.map(|body| body.map_err(Into::into).boxed_unsync());
    let (tx, rx) = futures::channel::oneshot::channel();
    let prepared = Prepared::new(
        store.as_context_mut(),
        proxy,
        request,
        <State as WasiHttpView>::http,
        tx,
    )?;
    store
        .run_concurrent(async |accessor| -> wasmtime::Result<()> {
            let answered = prepared.run(accessor, std::future::pending()).await;
            let response = match rx.await {
                Ok(Ok(response)) => response,
                Ok(Err(e)) => return Err(e),
                Err(_) => return answered.map(|_| ()),
            };
            status.store(response.status().as_u16(), Ordering::SeqCst);
            let _ = sent.send(Ok(response));
            answered?;
            std::future::poll_fn(|cx| accessor.poll_no_interesting_tasks(cx)).await;
            Ok(())
        })
        .await?
}

impl Outcome {
    /// The status the client got: the guest's, or the failure's.
    fn status(&self) -> u16 {
        match (&self.result, self.set) {
            (_, set) if set != 0 => set,
            (Ok(()), _) => 500,
            (Err(e), _) => failure_status(e).as_u16(),
        }
    }

    /// Why it failed, for the log.
    fn error(&self) -> Option<String> {
        match (&self.result, self.set) {
            (Err(e), _) => Some(one_line(e)),
            (Ok(()), 0) => Some("the handler returned without setting a response".into()),
            (Ok(()), _) => None,
        }
    }
}

/// The client's response: the guest's as soon as it is set, or, when the instance ended
/// without one, why.
async fn respond(
    response: oneshot::Receiver<Sent>,
    ended: oneshot::Receiver<Result<(), RunError>>,
) -> Response<HyperOutgoingBody> {
    match response.await {
        Ok(Ok(resp)) => resp,
        Ok(Err(code)) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the handler answered with an error: {code:?}"),
        ),
        Err(_) => match ended.await {
            Ok(Err(e)) => plain(failure_status(&e), &client_reason(&e)),
            _ => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the handler returned without setting a response",
            ),
        },
    }
}
