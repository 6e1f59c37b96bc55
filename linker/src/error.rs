/// Why parts could not be linked into one component.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LinkError {
    /// wit-component refused to turn a core module into a component.
    #[error("component `{component}`: could not turn the core module into a component: {message}")]
    #[diagnostic(
        code(compose::link::componentize),
        help("the module's imports or exports do not fit its world; check the exported function names and signatures")
    )]
    Componentize { component: String, message: String },

    /// A part's bytes are not a valid component.
    #[error("component `{component}` is not a valid WebAssembly component: {message}")]
    #[diagnostic(
        code(compose::link::invalid),
        help("rebuild it; if it is a prebuilt file, check that it is a component and not a core module")
    )]
    Invalid { component: String, message: String },

    /// The manifest names a root that is not among the parts.
    #[error("the root component `{root}` is not one of the project's components")]
    #[diagnostic(
        code(compose::link::no_root),
        help("set `[compose] root` to one of: {known}")
    )]
    UnknownRoot { root: String, known: String },

    /// Two or more parts export what an import needs.
    #[error(
        "component `{importer}` imports `{import}`, which several components export: {providers}"
    )]
    #[diagnostic(
        code(compose::link::ambiguous),
        help("choose one in compose.toml: [compose] wire = {{ \"{import}\" = \"<component>\" }}")
    )]
    Ambiguous {
        importer: String,
        import: String,
        providers: String,
    },

    /// The manifest wires an import to a part that does not export it.
    #[error("compose.toml wires `{import}` to `{provider}`, but `{provider}` {reason}")]
    #[diagnostic(
        code(compose::link::bad_wire),
        help("fix `[compose] wire` in compose.toml")
    )]
    BadWire {
        import: String,
        provider: String,
        reason: String,
    },

    /// The parts import each other in a circle.
    #[error("the components import each other in a cycle: {cycle}")]
    #[diagnostic(
        code(compose::link::cycle),
        help("a component cannot (indirectly) import itself; move the shared interface into a third component")
    )]
    Cycle { cycle: String },

    /// wasm-compose refused a connection (usually a type mismatch) or the encoding.
    #[error("linking `{importer}`'s import `{import}` to `{exporter}` failed: {message}")]
    #[diagnostic(
        code(compose::link::connect),
        help("both components must be built against the same version of the interface's WIT")
    )]
    Connect {
        importer: String,
        import: String,
        exporter: String,
        message: String,
    },

    /// The composition could not be encoded or did not validate.
    #[error("encoding the composed component failed: {message}")]
    #[diagnostic(code(compose::link::encode))]
    Encode { message: String },

    /// Imports remain that neither another component nor the host provides.
    #[error("the composed component still imports {imports}, which no component exports and the host does not provide")]
    #[diagnostic(
        code(compose::link::unsatisfied),
        help("add a component whose world exports it, or list it in `[compose] host-imports` if the host that runs the result provides it")
    )]
    Unsatisfied { imports: String },
}
