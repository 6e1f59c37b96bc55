//! Host memory given back once a burst is over. Each instance's host-side state (hundreds of
//! KiB for a component with Go in it) is freed when its request ends, but the C allocator
//! keeps freed blocks in its arenas (and, as large blocks are freed, raises the size it maps
//! them at): a server that had 1,000 requests in flight held 450 MiB once idle. When the
//! server has been idle for a moment after work, the arenas' free pages are returned.

use std::sync::Arc;
use std::time::Duration;

use super::request::Shared;

/// How long the server must have been idle before memory is given back: a trim takes a few
/// milliseconds, and a steady stream of requests would reuse the memory anyway.
const IDLE: Duration = Duration::from_secs(1);

/// Runs until the server ends: after each spell of work, once no request has run for
/// [`IDLE`], gives the allocator's free memory back.
pub(super) async fn give_back_when_idle(shared: Arc<Shared>) {
    let mut given_back_at = 0;
    let mut ticks = tokio::time::interval(IDLE);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_seen = shared.admission.admitted();
    loop {
        ticks.tick().await;
        let admitted = shared.admission.admitted();
        let quiet = admitted == last_seen && shared.admission.running() == 0;
        last_seen = admitted;
        if quiet && admitted != given_back_at {
            given_back_at = admitted;
            let _ = tokio::task::spawn_blocking(give_back).await;
        }
    }
}

/// Returns the free pages of every arena of glibc's allocator to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn give_back() {
    // SAFETY: `malloc_trim` only releases memory the allocator holds free; it takes the
    // allocator's own locks and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators give memory back themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back() {}
