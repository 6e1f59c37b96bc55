/// Why a component could not be run to completion.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RunError {
    /// The engine could not be set up.
    #[error("could not start the WebAssembly engine: {message}")]
    #[diagnostic(code(compose::run::engine))]
    Engine { message: String },

    /// The pool of instances could not be reserved.
    #[error("cannot reserve the memory of {instances} instances at once ({memories} linear memories each, 4 GiB of address space per memory): {message}")]
    #[diagnostic(
        code(compose::serve::pool),
        help("lower --max-concurrency: the address space of a 64-bit process holds about {} instances of this component", crate::runtime::instances_that_fit(*memories))
    )]
    Pool {
        instances: u32,
        memories: u32,
        message: String,
    },

    /// A reloaded component takes more memories or tables per instance than the pool holds.
    #[error("`{what}` takes {memories} linear memories and {tables} tables per instance; the server's pool was sized for {pool_memories} and {pool_tables}")]
    #[diagnostic(
        code(compose::serve::pool_shape),
        help("restart `compose serve` to serve it: the pool is sized when the server starts")
    )]
    PoolShape {
        what: String,
        memories: u32,
        tables: u32,
        pool_memories: u32,
        pool_tables: u32,
    },

    /// A component the pool of a running server cannot hold at all (found while compiling
    /// it for that pool).
    #[error("`{what}` does not fit the server's pool: {message}")]
    #[diagnostic(
        code(compose::serve::pool_shape),
        help("restart `compose serve` to serve it: the pool is sized for the component served when the server starts")
    )]
    PoolTooSmall { what: String, message: String },

    /// The component file cannot be read.
    #[error("cannot read `{what}`: {message}")]
    #[diagnostic(
        code(compose::run::read),
        help("check the path (`compose build` writes target/compose/<project>.wasm)")
    )]
    Read { what: String, message: String },

    /// The bytes are not a component Wasmtime can compile.
    #[error("`{what}` could not be compiled: {message}")]
    #[diagnostic(
        code(compose::run::compile),
        help("check that the file is a WebAssembly component (`compose build` writes one)")
    )]
    Compile { what: String, message: String },

    /// Compiling took longer than compose waits.
    #[error("`{what}` took longer than {bound} to compile")]
    #[diagnostic(
        code(compose::run::compile_time),
        help("a component this slow to compile is unusual: check what it holds with `compose inspect`")
    )]
    CompileTooLong { what: String, bound: String },

    /// A grant could not be applied (e.g. a directory that does not exist).
    #[error("could not grant {grant}: {message}")]
    #[diagnostic(
        code(compose::run::grant),
        help("fix the `--dir` flag or `[run]` in compose.toml")
    )]
    Grant { grant: String, message: String },

    /// The component cannot be instantiated in this sandbox.
    #[error("`{what}` cannot be instantiated: {message}")]
    #[diagnostic(
        code(compose::run::instantiate),
        help("a component run by `compose run` may import only WASI Preview 2 interfaces; link what else it imports with `compose build`")
    )]
    Instantiate { what: String, message: String },

    /// The component is not a command.
    #[error("`{what}` does not export `wasi:cli/run`, so it cannot run as a command")]
    #[diagnostic(
        code(compose::run::not_a_command),
        help("make the root component a command (a Rust `fn main`, or a world that exports wasi:cli/run); call one function with `--invoke`; an HTTP handler (exporting wasi:http/incoming-handler) is served with `compose serve`")
    )]
    NotACommand { what: String },

    /// The guest hit one of the run's limits.
    #[error("`{what}` was stopped: it hit its {kind} ({flag} {value})", flag = kind.flag())]
    #[diagnostic(
        code(compose::run::limit),
        help("raise the limit with {flag} if the guest really needs more, or fix the guest", flag = kind.flag())
    )]
    Limit {
        what: String,
        kind: crate::LimitKind,
        value: String,
    },

    /// A call (`--invoke`, a test case) is malformed, names no export, or its arguments
    /// do not fit.
    #[error("call `{call}`: {message}")]
    #[diagnostic(code(compose::run::invoke), help("{help}"))]
    Invoke {
        call: String,
        message: String,
        help: String,
    },

    /// The component is nested too deep or too wide to compile within reason.
    #[error("`{what}` is refused before compiling: {message}")]
    #[diagnostic(
        code(compose::run::too_complex),
        help("real compositions nest a few levels; this looks generated to exhaust the compiler")
    )]
    TooComplex { what: String, message: String },

    /// Wasmtime refused to copy more out of the guest than it allows at once.
    #[error("`{what}` was stopped by a limit of the host: {message}")]
    #[diagnostic(
        code(compose::run::host_limit),
        help("the guest handed the host more data at once than Wasmtime copies; pass it in smaller pieces")
    )]
    HostLimit { what: String, message: String },

    /// The guest trapped.
    #[error("`{what}` trapped: {message}")]
    #[diagnostic(code(compose::run::trap))]
    Trap { what: String, message: String },

    /// A component could not be pre-initialized.
    #[error("`{what}` could not be pre-initialized: {message}")]
    #[diagnostic(code(compose::run::preinit), help("{help}"))]
    Preinit {
        what: String,
        message: String,
        help: String,
    },

    /// A command imports `wasi:http`, which `compose run` does not provide.
    #[error("`{what}` imports `{import}`, but `compose run` provides no HTTP")]
    #[diagnostic(
        code(compose::run::no_http),
        help("serve an HTTP handler (exporting wasi:http/incoming-handler) with `compose serve`, which provides outgoing HTTP to the hosts `--allow-http` grants; a command that needs HTTP cannot run with `compose run`")
    )]
    NoHttp { what: String, import: String },

    /// A served component is not an HTTP handler.
    #[error("`{what}` does not export `wasi:http/incoming-handler`, so it cannot be served; it exports {}", list_exports(exports))]
    #[diagnostic(
        code(compose::serve::not_a_handler),
        help("an HTTP component's world exports `wasi:http/incoming-handler@0.2.12` (`compose new NAME --template http --lang rust|go|c|python` starts one); a command runs with `compose run`")
    )]
    NotAnHttpHandler { what: String, exports: Vec<String> },

    /// The server stopped the guest: it was still running when the shutdown's grace
    /// period ended.
    #[error("`{what}` was stopped: the server shut down before it finished (--shutdown-timeout)")]
    #[diagnostic(code(compose::serve::stopped))]
    Stopped { what: String },

    /// The client closed its connection before the guest had answered: the guest was
    /// stopped, its instance freed.
    #[error("`{what}` was stopped: the client closed the connection before the response")]
    #[diagnostic(code(compose::serve::client_gone))]
    ClientGone { what: String },

    /// `--requests-per-instance` above 1 for a handler whose requests cannot share one.
    #[error("`{what}` cannot take {requests} requests per instance: {why}")]
    #[diagnostic(
        code(compose::serve::cannot_share),
        help("only a WASI 0.3 handler (`wasi:http/handler@0.3`, `compose new NAME --template http-p3`) without `--fuel` shares instances; serve without `--requests-per-instance` to give each request its own")
    )]
    CannotShare {
        what: String,
        requests: usize,
        why: String,
    },

    /// A request shared its instance (`--requests-per-instance`) and the instance ended
    /// before it answered: another request of it trapped or ran past its time.
    #[error("`{what}`: the instance this request shared with others ended before it answered ({message})")]
    #[diagnostic(
        code(compose::serve::shared_instance),
        help("requests that share an instance end with it; serve with `--requests-per-instance 1` to give each request its own")
    )]
    SharedInstanceEnded { what: String, message: String },

    /// The server cannot listen on its address.
    #[error("cannot listen on {addr}: {message}")]
    #[diagnostic(code(compose::serve::bind), help("{help}"))]
    Bind {
        addr: String,
        message: String,
        help: String,
    },
}

fn list_exports(exports: &[String]) -> String {
    if exports.is_empty() {
        return "nothing".into();
    }
    exports
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
