//! Admission: at most `max_concurrency` requests run at once, at most `max_queue` wait for a
//! slot, and the rest are refused. Every count is held by a guard, so a request dropped while
//! it waits (its client went away) or while it runs gives its place back.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The slots of a server and the queue before them.
pub(super) struct Admission {
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
    /// Requests admitted since the server started.
    admitted: AtomicU64,
    max_concurrency: usize,
    max_queue: usize,
}

/// Why a request was not admitted.
#[derive(Debug)]
pub(super) enum Refused {
    /// Every slot is taken and the queue is full.
    Busy { running: usize, waiting: usize },
    /// The server is stopping.
    Stopping,
}

/// A running request's slot, given back when dropped.
pub(super) struct Admitted {
    _permit: OwnedSemaphorePermit,
    running: Arc<AtomicUsize>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A place in the queue, given back when dropped (admitted or not).
struct Queued(Arc<AtomicUsize>);

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    pub(super) fn new(max_concurrency: usize, max_queue: usize) -> Self {
        let max_concurrency = max_concurrency.max(1);
        Self {
            slots: Arc::new(Semaphore::new(max_concurrency)),
            waiting: Arc::new(AtomicUsize::new(0)),
            running: Arc::new(AtomicUsize::new(0)),
            admitted: AtomicU64::new(0),
            max_concurrency,
            max_queue,
        }
    }

    /// A slot now, or after waiting in the queue; refused when the queue is full too.
    pub(super) async fn admit(&self) -> Result<Admitted, Refused> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(tokio::sync::TryAcquireError::Closed) => return Err(Refused::Stopping),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                let queued = self.enqueue()?;
                let permit = self.slots.clone().acquire_owned().await;
                drop(queued);
                permit.map_err(|_| Refused::Stopping)?
            }
        };
        self.running.fetch_add(1, Ordering::SeqCst);
        self.admitted.fetch_add(1, Ordering::SeqCst);
        Ok(Admitted {
            _permit: permit,
            running: self.running.clone(),
        })
    }

    fn enqueue(&self) -> Result<Queued, Refused> {
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let queued = Queued(self.waiting.clone());
        if before >= self.max_queue {
            return Err(Refused::Busy {
                running: self.max_concurrency,
                waiting: before,
            });
        }
        Ok(queued)
    }

    /// Requests running now.
    pub(super) fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Requests admitted since the server started.
    pub(super) fn admitted(&self) -> u64 {
        self.admitted.load(Ordering::SeqCst)
    }

    /// Stops admitting: waiting requests are refused as [`Refused::Stopping`].
    pub(super) fn close(&self) {
        self.slots.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn beyond_the_slots_and_the_queue_requests_are_refused() {
        block_on(async {
            let admission = Admission::new(1, 0);
            let first = admission.admit().await.unwrap();
            assert_eq!(admission.running(), 1);
            assert!(matches!(
                admission.admit().await,
                Err(Refused::Busy {
                    running: 1,
                    waiting: 0
                })
            ));
            drop(first);
            assert_eq!(admission.running(), 0);
            assert!(admission.admit().await.is_ok());
        });
    }

    #[test]
    fn a_request_dropped_while_it_waits_gives_its_place_back() {
        block_on(async {
            let admission = Admission::new(1, 1);
            let held = admission.admit().await.unwrap();
            for _ in 0..3 {
                // The client went away while its request waited: the future is dropped.
                let waited =
                    tokio::time::timeout(std::time::Duration::from_millis(10), admission.admit())
                        .await;
                assert!(waited.is_err(), "it waited for the slot");
                assert_eq!(admission.waiting.load(Ordering::SeqCst), 0);
            }
            drop(held);
            assert!(admission.admit().await.is_ok());
        });
    }

    #[test]
    fn closing_refuses_the_waiting_as_stopping() {
        block_on(async {
            let admission = Arc::new(Admission::new(1, 4));
            let _held = admission.admit().await.unwrap();
            let waiter = {
                let admission = admission.clone();
                tokio::spawn(async move { admission.admit().await.err() })
            };
            tokio::task::yield_now().await;
            admission.close();
            assert!(matches!(waiter.await.unwrap(), Some(Refused::Stopping)));
        });
    }
}
