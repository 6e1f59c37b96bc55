//! One client connection under watch: its bytes and its requests move its state, and a
//! watchdog closes it when the client makes the server wait too long (a head that never
//! ends, an idle kept-alive connection, a response nobody reads).
//!
//! The watchdog runs in the connection's own task on the server's I/O executor, where no
//! guest ever runs: a spinning guest cannot keep a connection open past its bound.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use super::{Closed, ConnectionLimits};

/// What a connection is doing, shared by its I/O, its requests and its watchdog.
pub(super) struct Watched {
    state: Mutex<State>,
    changed: Notify,
}

struct State {
    phase: Phase,
    /// Requests whose response is not yet fully sent.
    busy: usize,
    /// Since when a write has been waiting for the client to take bytes.
    write_blocked: Option<Instant>,
}

#[derive(Clone, Copy)]
enum Phase {
    /// Opened, its first request's head not complete yet (bounded by the header timeout).
    Opened(Instant),
    /// Between requests, no byte of the next yet (bounded by the keep-alive timeout).
    Idle(Instant),
    /// The first bytes of a later request's head arrived at this instant.
    Head(Instant),
    /// A request is being handled.
    Busy,
}

impl Watched {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                phase: Phase::Opened(Instant::now()),
                busy: 0,
                write_blocked: None,
            }),
            changed: Notify::new(),
        })
    }

    fn update(&self, change: impl FnOnce(&mut State) -> bool) {
        let changed = change(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
        if changed {
            self.changed.notify_one();
        }
    }

    /// Bytes arrived from the client.
    fn read(&self) {
        self.update(|s| match s.phase {
            Phase::Idle(_) => {
                s.phase = Phase::Head(Instant::now());
                true
            }
            _ => false,
        });
    }

    /// A write waited for the client (`blocked`), or went through.
    fn wrote(&self, blocked: bool) {
        self.update(|s| match (blocked, s.write_blocked) {
            (true, None) => {
                s.write_blocked = Some(Instant::now());
                true
            }
            (false, Some(_)) => {
                s.write_blocked = None;
                true
            }
            _ => false,
        });
    }

    /// A request's head is complete: until its response is sent, only writes are watched.
    /// The guard it gives, dropped with the response's body, makes the connection idle.
    pub(super) fn request(self: &Arc<Self>) -> Busy {
        self.update(|s| {
            s.busy += 1;
            s.phase = Phase::Busy;
            true
        });
        Busy(self.clone())
    }

    /// When the watchdog must look again, and what it closes for then.
    fn next(&self, limits: &ConnectionLimits) -> Option<(Instant, Closed)> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let read = match s.phase {
            Phase::Opened(since) | Phase::Head(since) => Some((
                since + limits.header_timeout,
                Closed::HeaderTimeout(limits.header_timeout),
            )),
            Phase::Idle(since) => Some((
                since + limits.keep_alive_timeout,
                Closed::KeepAliveTimeout(limits.keep_alive_timeout),
            )),
            Phase::Busy => None,
        };
        let write = s.write_blocked.map(|since| {
            (
                since + limits.idle_timeout,
                Closed::IdleTimeout(limits.idle_timeout),
            )
        });
        match (read, write) {
            (Some(r), Some(w)) => Some(if w.0 < r.0 { w } else { r }),
            (r, w) => r.or(w),
        }
    }
}

/// A request in progress on a connection; the connection is idle again once every one is
/// dropped.
pub(super) struct Busy(Arc<Watched>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.update(|s| {
            s.busy = s.busy.saturating_sub(1);
            if s.busy == 0 {
                s.phase = Phase::Idle(Instant::now());
            }
            true
        });
    }
}

/// Runs `connection` until it ends, or closes it (drops it) when the client made it wait past
/// `limits`: the reason is returned.
pub(super) async fn watch<F: Future>(
    connection: F,
    watched: Arc<Watched>,
    limits: ConnectionLimits,
) -> Result<F::Output, Closed> {
    tokio::pin!(connection);
    loop {
        let next = watched.next(&limits);
        let deadline = async {
            match next {
                Some((at, _)) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            out = &mut connection => return Ok(out),
            () = deadline => {
                // Looked at again: a byte may have come just now.
                if let Some((at, why)) = watched.next(&limits) {
                    if at <= Instant::now() {
                        return Err(why);
                    }
                }
            }
            () = watched.changed.notified() => {}
        }
    }
}

/// A connection's socket, telling its watch of every byte read and every write that waits.
pub(super) struct Tracked<IO> {
    io: IO,
    watched: Arc<Watched>,
}

impl<IO> Tracked<IO> {
    pub(super) fn new(io: IO, watched: Arc<Watched>) -> Self {
        Self { io, watched }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Tracked<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watched.read();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Tracked<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watched.wrote(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watched.wrote(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.watched.wrote(polled.is_pending());
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A response body that holds a guard (its request [`Busy`], its slot and access-log line)
/// until it is sent (or dropped).
pub(super) struct TrackedBody<B, G = Busy> {
    body: B,
    _guard: G,
}

impl<B, G> TrackedBody<B, G> {
    pub(super) fn new(body: B, guard: G) -> Self {
        Self {
            body,
            _guard: guard,
        }
    }
}

impl<B: Body + Unpin, G: Unpin> Body for TrackedBody<B, G> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SHORT: Duration = Duration::from_millis(50);

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: 10,
            header_timeout: SHORT,
            keep_alive_timeout: SHORT * 2,
            idle_timeout: SHORT * 3,
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
        let watched = Watched::new();
        let started = Instant::now();
        let closed = block_on(watch(std::future::pending::<()>(), watched, limits()));
        assert_eq!(closed, Err(Closed::HeaderTimeout(SHORT)));
        assert!(started.elapsed() >= SHORT);
    }

    #[test]
    fn a_busy_connection_is_not_closed_and_an_idle_one_is_at_the_keep_alive_timeout() {
        let watched = Watched::new();
        let busy = watched.request();
        let outcome = block_on(async {
            let held = tokio::time::timeout(
                SHORT * 4,
                watch(std::future::pending::<()>(), watched.clone(), limits()),
            )
            .await;
            assert!(
                held.is_err(),
                "a request in progress holds the connection open"
            );
            drop(busy);
            watch(std::future::pending::<()>(), watched.clone(), limits()).await
        });
        assert_eq!(outcome, Err(Closed::KeepAliveTimeout(SHORT * 2)));
    }

    #[test]
    fn a_blocked_write_is_closed_at_the_idle_timeout_even_while_busy() {
        let watched = Watched::new();
        let _busy = watched.request();
        watched.wrote(true);
        let closed = block_on(watch(std::future::pending::<()>(), watched, limits()));
        assert_eq!(closed, Err(Closed::IdleTimeout(SHORT * 3)));
    }

    #[test]
    fn a_connection_that_ends_returns_its_output() {
        let watched = Watched::new();
        assert_eq!(block_on(watch(async { 7 }, watched, limits())), Ok(7));
    }
}
