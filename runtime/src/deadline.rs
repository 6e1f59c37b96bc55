//! The wall-clock bound of a run, enforced three ways:
//!
//! - while wasm runs, the engine's epoch is bumped at the deadline, so the guest traps at its
//!   next loop head or call;
//! - while the guest waits in a host call (sleeping, polling, reading stdin or a socket), the
//!   call is a future on compose's executor, and the timeout drops it;
//! - a host call that blocks its thread instead of waiting (writing into a pipe nobody reads)
//!   gets a grace period, after which the process ends with the limit's exit code: no run
//!   outlives its bound.

use std::future::Future;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

use crate::limits::{LimitKind, Limits};

/// How long a blocked host call may outlive the deadline before the process ends.
const GRACE: Duration = Duration::from_secs(2);

/// Bumps the engine's epoch once the bound has passed, and ends the process if the run is
/// still not over after [`GRACE`]. Dropping it (the run ended) stops its thread at once.
pub(crate) struct Deadline {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Deadline {
    pub(crate) fn start(engine: &Engine, what: &str, limits: &Limits) -> Self {
        let Some(bound) = limits.wall_clock() else {
            return Self {
                stop: None,
                thread: None,
            };
        };
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        let message = crate::store::time_limit(what, limits).to_string();
        let code = match limits.timeout {
            Some(_) => LimitKind::Timeout.exit_code(),
            None => LimitKind::Fuel.exit_code(),
        };
        let thread = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(bound) {
                engine.increment_epoch();
                if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(GRACE) {
                    // The guest's thread may hold stdout (or stderr) in a write that never
                    // ends: say why from another thread, and end whether it could or not.
                    let (said, written) = mpsc::channel::<()>();
                    std::thread::spawn(move || {
                        eprintln!(
                            "error: {message}; it is blocked in a host call that cannot be interrupted, so compose ends"
                        );
                        let _ = said.send(());
                    });
                    let _ = written.recv_timeout(Duration::from_millis(500));
                    std::process::exit(code);
                }
            }
        });
        Self {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `fut` to completion on this thread's single-threaded executor, or until `bound` passes
/// (`None`: out of time).
pub(crate) fn block_on<F: Future>(bound: Option<Duration>, fut: F) -> Option<F::Output> {
    // One executor per thread, made at its first call: making one costs more than
    // instantiating a small component, and a session calls many times.
    thread_local! {
        static EXECUTOR: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a single-threaded executor starts");
    }
    EXECUTOR.with(|executor| {
        executor.block_on(async move {
            match bound {
                Some(d) => tokio::time::timeout(d, fut).await.ok(),
                None => Some(fut.await),
            }
        })
    })
}
