//! Progress of long steps on a terminal: a spinner with the time spent for each step that
//! runs (componentize-py, a first Cranelift compile and a pre-initialization take seconds
//! and print nothing meanwhile); finished steps become cargo-style status lines above them.
//! Elsewhere (a pipe, CI) only the status lines are printed, one per step.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The steps running now, by key (a component's name, or the build's own steps).
pub struct Steps {
    multi: Option<MultiProgress>,
    running: BTreeMap<String, ProgressBar>,
}

impl Steps {
    /// Spinners when stderr is a terminal, else status lines only.
    pub fn new() -> Self {
        let terminal = std::io::stderr().is_terminal() && !crate::output::json();
        Self {
            multi: terminal.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            running: BTreeMap::new(),
        }
    }

    /// Step `key` is now doing `verb message` (replacing what it did before). Without a
    /// terminal, the status line is printed now.
    pub fn start(&mut self, key: &str, verb: &str, message: &str) {
        let Some(multi) = &self.multi else {
            return crate::output::status(verb, message);
        };
        let bar = self.running.entry(key.to_string()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "\x1b[1;36m{verb:>12}\x1b[0m {{msg}} {{spinner}} {{elapsed}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message.to_string());
    }

    /// Step `key` (if running) is over; `verb message` is printed as its status line.
    pub fn finish(&mut self, key: &str, verb: &str, message: &str) {
        if let Some(bar) = self.running.remove(key) {
            bar.finish_and_clear();
        }
        self.line(verb, message);
    }

    /// A status line, printed above the spinners.
    pub fn line(&self, verb: &str, message: &str) {
        match &self.multi {
            Some(multi) => multi.suspend(|| crate::output::status(verb, message)),
            None => crate::output::status(verb, message),
        }
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        for bar in self.running.values() {
            bar.finish_and_clear();
        }
    }
}
