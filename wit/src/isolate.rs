//! Running code of other crates that may panic or recurse deeply on hostile input (a
//! bindings generator, wit-component's encoders, deep WIT) on a thread of its own with a
//! large stack: a panic there becomes an error saying what gave up, never a crash of compose
//! (whose panic hook reports only panics of the main thread as its own bugs).

/// The stack of an isolated thread: deep enough for any WIT a person writes.
pub const STACK: usize = 256 << 20;

/// Runs `f` on its own thread; `Err` carries the panic's message if it panicked.
pub fn isolated<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(STACK)
            .spawn_scoped(scope, f)
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        worker.join().map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no reason given".into())
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_is_an_error() {
        assert_eq!(super::isolated("t", || 7), Ok(7));
        let e = super::isolated("t", || -> u32 { panic!("gave up") }).unwrap_err();
        assert_eq!(e, "gave up");
    }
}
