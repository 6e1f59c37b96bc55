//! Instances shared by requests, for a WASI 0.3 handler served with
//! `--requests-per-instance N` (N > 1): up to N requests at once in one instance, whose
//! `handle` is an async function, so that a request waiting on I/O costs a task in the
//! instance and not an instance of its own. wasmtime-wasi-http's `ProxyHandler` dispatches
//! them; this file tells it how compose builds an instance (the same sandbox, grants and
//! outgoing-HTTP policy as a request's own), how many requests one takes, and when one ends,
//! and it holds the shared request's own stages: its slot (kept by the instance too, until
//! the guest answers), its outcome, and its access-log line.
//!
//! What sharing gives up, and the server says so: requests of one instance share its memory
//! and its `--max-memory`; one that traps ends the instance with every request in it; one
//! that spins stops the instance's other requests until the instance is ended, `--timeout`
//! after the most recent request it took.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::sync::futures::OwnedNotified;
use tokio::sync::Notify;
use wasmtime::component::TaskGroupId;
use wasmtime::{Store, StoreContextMut};
use wasmtime_wasi_http::handler::{
    self, ExpirationError, HandlerState, InstantiationError, ProxyHandler, ProxyPre, ShouldAccept,
    TrapOrPanicError, WorkerExpiration, WorkerState, WorkerStatus,
};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

use super::admission::Admitted;
use super::connection::TrackedBody;
use super::request::{Arrival, Events, Shared};
use super::response::{client_reason, failure_status, one_line, plain};
use super::{Handler, HttpRule, Outgoing};
use crate::store::{classify, new_store, time_limit, State, Stopped};
use crate::{Grants, Limits, RunError};

/// How many requests in all one instance takes, per request it may take at once, before it
/// takes no more and ends once they are done: a guest that leaks gets a fresh start.
const TAKEN_IN_ALL_PER_SLOT: usize = 100;

/// The requests of one handler, dispatched to shared instances.
pub(super) type Dispatcher = ProxyHandler<Sharing>;

/// How compose makes a shared instance and bounds it.
pub(super) struct Sharing {
    pub(super) handler: Arc<Handler>,
    pub(super) grants: Grants,
    pub(super) limits: Limits,
    pub(super) allow_http: Arc<[HttpRule]>,
    pub(super) at_once: usize,
    pub(super) stopping: Arc<AtomicBool>,
    /// Told when `stopping` is set, so that an instance whose requests all wait ends then.
    pub(super) stopped: Arc<Notify>,
}

impl Sharing {
    /// A dispatcher of `handler`'s requests.
    pub(super) fn dispatcher(self) -> Dispatcher {
        ProxyHandler::new(self)
    }
}

impl Shared {
    /// The dispatcher of `handler`'s requests to shared instances, when they share them:
    /// `--requests-per-instance` above 1 and a WASI 0.3 handler.
    pub(super) fn dispatcher(&self, handler: &Arc<Handler>) -> Option<Dispatcher> {
        if self.config.requests_per_instance <= 1 || !matches!(handler.pre, ProxyPre::P3(_)) {
            return None;
        }
        let mut current = self.dispatcher.lock().unwrap_or_else(|e| e.into_inner());
        match &*current {
            Some((served, dispatcher)) if Arc::ptr_eq(served, handler) => Some(dispatcher.clone()),
            _ => {
                let dispatcher = Sharing {
                    handler: handler.clone(),
                    grants: self.config.grants.clone(),
                    limits: self.config.limits,
                    allow_http: self.allow_http.clone(),
                    at_once: self.config.requests_per_instance,
                    stopping: self.stopping.clone(),
                    stopped: self.stopped.clone(),
                }
                .dispatcher();
                *current = Some((handler.clone(), dispatcher.clone()));
                Some(dispatcher)
            }
        }
    }

    /// A request given to a shared instance: the response as soon as the guest returns it;
    /// the request's slot and its access-log line are held by the body until it is sent.
    pub(super) async fn answer_shared(
        &self,
        arrival: Arrival,
        admitted: Admitted,
        handler: &Handler,
        dispatcher: Dispatcher,
        request: Request<Incoming>,
    ) -> Response<HyperOutgoingBody> {
        let request = request.map(|body| body.map_err(Into::into).boxed_unsync());
        let what = handler.what.clone();
        // Held by the instance too, until its `handle` returns: a request whose client left
        // still runs there, and work beyond --max-concurrency must not pile up.
        let slot = Arc::new(admitted);
        // Dropped before the response (the client left), the line says so.
        let mut served = Served {
            arrival,
            events: self.events.clone(),
            status: 499,
            error: Some(
                "the client closed the connection before the response; a request cannot be taken out of a shared instance, so it runs on, and keeps its slot, until it answers or reaches its time bound".into(),
            ),
            _slot: slot.clone(),
        };
        let handled = self
            .guests
            .spawn(async move { dispatcher.handle(slot, request).await })
            .await;
        let response = match handled {
            Ok(Ok(response)) => {
                served.status = response.status().as_u16();
                served.error = None;
                response
            }
            Ok(Err(e)) => {
                let stopping = self.stopping.load(Ordering::SeqCst);
                let e = shared_failure(what, e, &self.config.limits, &served.arrival, stopping);
                let status = failure_status(&e);
                served.status = status.as_u16();
                served.error = Some(one_line(&e));
                plain(status, &client_reason(&e))
            }
            Err(ended) => {
                let e = if ended.is_cancelled() {
                    RunError::Stopped { what }
                } else {
                    RunError::Engine {
                        message: format!("the request's task panicked: {ended}"),
                    }
                };
                let status = failure_status(&e);
                served.status = status.as_u16();
                served.error = Some(one_line(&e));
                plain(status, &client_reason(&e))
            }
        };
        response.map(|body| TrackedBody::new(body, served).boxed_unsync())
    }
}

/// A request answered by a shared instance, until its response is sent: its slot, and its
/// access-log line, written when it is dropped.
struct Served {
    arrival: Arrival,
    events: Events,
    status: u16,
    error: Option<String>,
    /// The slot, shared with the instance that took the request: it is free once both let
    /// go (the response sent, and the guest's `handle` returned or past its deadline).
    _slot: Arc<Admitted>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let error = self.error.take();
        self.arrival
            .log(&*self.events, self.status, error, Vec::new());
    }
}

/// Why a request given to a shared instance got no response.
fn shared_failure(
    what: String,
    e: wasmtime::Error,
    limits: &Limits,
    arrival: &Arrival,
    stopping: bool,
) -> RunError {
    let past_its_time = limits
        .wall_clock()
        .is_some_and(|bound| arrival.start.elapsed() >= bound);
    if e.downcast_ref::<ExpirationError>().is_some() {
        time_limit(&what, limits)
    } else if e.downcast_ref::<TrapOrPanicError>().is_some() {
        if stopping {
            RunError::Stopped { what }
        } else if past_its_time {
            time_limit(&what, limits)
        } else {
            RunError::SharedInstanceEnded {
                what,
                message: "a request in it trapped, or ran past its time".into(),
            }
        }
    } else if let Some(failed) = e.downcast_ref::<InstantiationError<Arc<Admitted>>>() {
        RunError::Instantiate {
            what,
            message: format!("{:#}", failed.error),
        }
    } else {
        classify(&what, Stopped::Failed(e), false, limits)
    }
}

impl HandlerState for Sharing {
    type StoreData = State;
    type WorkerExpiration = Expiry;
    type WorkerState = Taking;

    async fn instantiate(
        &self,
    ) -> wasmtime::Result<handler::Instance<State, Self::WorkerExpiration, Self::WorkerState>> {
        let mut store = new_store(
            &self.handler.engine,
            "serve",
            &self.grants,
            &self.limits,
            Outgoing::new(self.allow_http.clone()),
            1,
        )
        .map_err(wasmtime::Error::new)?;
        // No deadline of its own: the instance outlives each request. It yields at every
        // tick (so the expiry below is looked at) and stops when the server does.
        super::request::yield_until(&mut store, None, self.stopping.clone());
        let bound = self.limits.wall_clock();
        let instantiating = self.handler.pre.instantiate_async(&mut store);
        let proxy = match bound {
            Some(bound) => tokio::time::timeout(bound, instantiating)
                .await
                .map_err(|_| wasmtime::format_err!("instantiation took longer than {bound:?}"))??,
            None => instantiating.await?,
        };
        Ok(handler::Instance {
            store,
            proxy,
            view: <State as WasiHttpView>::http,
            expiration: Expiry {
                bound,
                stopping: self.stopping.clone(),
                stopped: Box::pin(self.stopped.clone().notified_owned()),
                timer: None,
            },
            state: Taking {
                at_once: self.at_once,
                in_all: self.at_once.saturating_mul(TAKEN_IN_ALL_PER_SLOT),
                bound,
            },
        })
    }
}

/// How many requests an instance takes, and each one's deadline.
pub(super) struct Taking {
    at_once: usize,
    in_all: usize,
    bound: Option<Duration>,
}

impl WorkerState for Taking {
    type StoreData = State;
    /// The request's slot, held until its `handle` returns or its deadline passes.
    type RequestData = Arc<Admitted>;

    fn should_accept_request(&self, at_once: usize, in_all: usize) -> ShouldAccept {
        if in_all >= self.in_all {
            ShouldAccept::Never
        } else if at_once < self.at_once {
            ShouldAccept::Yes
        } else {
            ShouldAccept::No
        }
    }

    fn on_request_start(
        &self,
        _store: StoreContextMut<'_, State>,
        slot: Arc<Admitted>,
        _task_group: TaskGroupId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        // Dropped when `handle` returns (or the deadline passes): the slot goes with it.
        let deadline = self.bound.map(|bound| tokio::time::Instant::now() + bound);
        Box::pin(async move {
            let _slot = slot;
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        })
    }

    fn drop(&self, store: Store<State>, _result: wasmtime::Result<()>) {
        drop(store);
    }
}

/// When an instance ends: as soon as it is idle (nothing is kept between bursts), once the
/// most recent request it took is past `--timeout` (every request in it is then past its
/// own), or when the server's grace period is over. Looked at from outside the instance's
/// event loop, which a spinning guest holds.
pub(super) struct Expiry {
    bound: Option<Duration>,
    stopping: Arc<AtomicBool>,
    stopped: Pin<Box<OwnedNotified>>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl WorkerExpiration for Expiry {
    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let this = self.get_mut();
        if this.stopping.load(Ordering::Relaxed)
            || status == WorkerStatus::Idle
            || this.stopped.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(());
        }
        let Some(bound) = this.bound else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(start + bound);
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        timer.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_takes_up_to_its_share_at_once_and_a_bounded_number_in_all() {
        let taking = Taking {
            at_once: 4,
            in_all: 4 * TAKEN_IN_ALL_PER_SLOT,
            bound: None,
        };
        assert!(matches!(
            taking.should_accept_request(0, 0),
            ShouldAccept::Yes
        ));
        assert!(matches!(
            taking.should_accept_request(3, 10),
            ShouldAccept::Yes
        ));
        assert!(matches!(
            taking.should_accept_request(4, 10),
            ShouldAccept::No
        ));
        assert!(matches!(
            taking.should_accept_request(1, 4 * TAKEN_IN_ALL_PER_SLOT),
            ShouldAccept::Never
        ));
    }

    #[test]
    fn an_instance_ends_when_idle_past_its_bound_or_stopped_and_not_before() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _entered = runtime.enter();
        let stopping = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(Notify::new());
        let mut expiry = Expiry {
            bound: Some(Duration::from_secs(5)),
            stopping: stopping.clone(),
            stopped: Box::pin(stopped.clone().notified_owned()),
            timer: None,
        };
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut poll = |status, start| Pin::new(&mut expiry).poll(&mut cx, status, start);
        let now = Instant::now();
        assert!(poll(WorkerStatus::Idle, now).is_ready());
        assert!(poll(WorkerStatus::Requests, now).is_pending());
        assert!(poll(WorkerStatus::PostReturn, now).is_pending());
        let long_ago = now - Duration::from_secs(6);
        assert!(poll(WorkerStatus::Requests, long_ago).is_ready());
        assert!(poll(WorkerStatus::Requests, now).is_pending());
        stopped.notify_waiters();
        assert!(poll(WorkerStatus::Requests, now).is_ready());
    }
}
