//! Terminal output shared by the commands: cargo-style status lines on stderr.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// How results are printed: for people, or one JSON document per line on stdout (progress
/// lines stay on stderr either way). The fields are documented in the README.
#[derive(clap::ValueEnum, Clone, Copy, Default, PartialEq, Eq, Debug)]
pub enum MessageFormat {
    #[default]
    Human,
    Json,
}

static JSON: AtomicBool = AtomicBool::new(false);

/// Chooses the format for this process.
pub fn set_format(format: MessageFormat) {
    JSON.store(format == MessageFormat::Json, Ordering::Relaxed);
}

/// Whether messages are JSON.
pub fn json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Prints one machine message (a line of JSON) on stdout.
pub fn emit(message: &compose_project::Message<'_>) {
    println!("{}", message.to_json());
}

/// An error as a JSON message: its code, message and help.
pub fn emit_error(report: &miette::Report) {
    emit(&compose_project::Message::Error {
        code: report.code().map(|c| c.to_string()),
        message: report.to_string(),
        help: report.help().map(|h| h.to_string()),
    });
}

/// The exit code of a command that failed (a guest's own exit code is passed through as is).
pub const FAILURE: i32 = 2;

/// The exit code of a crash of compose itself.
pub const INTERNAL_ERROR: i32 = 101;

/// Ends the process with `code`, after flushing what is buffered on stdout (a guest's last
/// line without a newline included).
pub fn exit(code: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// The exit code of `compose run` when the guest trapped on its own (unreachable, an
/// out-of-bounds access, ...); each limit has its own (`LimitKind::exit_code`).
pub const TRAP: i32 = 120;

/// Prints `verb` right-aligned in 12 columns, then `message`, like cargo does.
pub fn status(verb: &str, message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("\x1b[1;32m{verb:>12}\x1b[0m {message}");
    } else {
        eprintln!("{verb:>12} {message}");
    }
}

/// A size in bytes, for people.
pub fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// Sets up how errors are shown: miette's report with source snippets; unwrapped and
/// without colour when stderr is not a terminal (logs, CI), so messages stay greppable.
/// A panic (a bug in compose) is reported as such, with the way to report it.
pub fn install_error_reporting() {
    let terminal = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        let opts = miette::MietteHandlerOpts::new();
        let opts = if terminal {
            opts
        } else {
            opts.wrap_lines(false).color(false).unicode(false)
        };
        Box::new(opts.build())
    }));
    // A panic on another thread (a bindings generator that gave up, say) is turned into an
    // error by the code that joins that thread; only one on the main thread is a crash.
    std::panic::set_hook(Box::new(|info| {
        if std::thread::current().name() != Some("main") {
            return;
        }
        // Output into a closed pipe (`compose inspect x.wasm | head -1`): end quietly, as
        // command-line tools do.
        let message = info.payload_as_str().unwrap_or_default();
        if message.contains("failed printing to stdout") || message.contains("Broken pipe") {
            std::process::exit(0);
        }
        eprintln!(
            "error: compose hit an internal error (a bug, not a problem with your project): {info}"
        );
        eprintln!("help: please report it with the command you ran; RUST_BACKTRACE=1 shows where it happened");
        std::process::exit(INTERNAL_ERROR);
    }));
}

/// Text from inputs (a test file, a guest's answer) made safe to print.
pub use compose_project::printable as sanitize;

/// Escapes text for an XML attribute or element. Control characters, which XML 1.0 cannot
/// hold even escaped, are written as `\u{..}` first.
pub fn xml_escape(text: &str) -> String {
    let text = sanitize(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
