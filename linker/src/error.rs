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
        help("choose one in compose.toml: for every importer, `[compose.wire]` with `\"{import}\" = \"<component>\"`; for `{importer}` alone, `[compose.wire.{importer}]` with the same line")
    )]
    Ambiguous {
        importer: String,
        import: String,
        providers: String,
    },

    /// The manifest wires an import to a part that does not export it, or names an importer
    /// or an import that does not exist.
    #[error("compose.toml wires `{import}`{} to `{provider}`, but {reason}", importer.as_ref().map(|i| format!(" of `{i}`")).unwrap_or_default())]
    #[diagnostic(
        code(compose::link::bad_wire),
        help("fix `[compose.wire]` in compose.toml: each entry names an import (`ns:pkg/iface@version`, or a function's name) and the component that exports it; `[compose.wire.<importer>]` does so for one importer")
    )]
    BadWire {
        importer: Option<String>,
        import: String,
        provider: String,
        reason: String,
    },

    /// The parts import each other in a circle.
    #[error("the components import each other in a cycle: {cycle}")]
    #[diagnostic(
        code(compose::link::cycle),
        help("a component cannot (indirectly) import itself; a middle component that imports and exports the same interface needs `[compose.wire.<middle>]` naming the component behind it")
    )]
    Cycle { cycle: String },

    /// What the importer expects of an interface is not what the exporter provides.
    #[error("`{importer}` imports `{import}` from `{exporter}`, but their types differ:\n{}", differences.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(
        code(compose::link::mismatch),
        help("both components must be built from the same WIT for `{import}`: rebuild the one that is out of date, or make their WIT packages agree")
    )]
    Mismatch {
        importer: String,
        import: String,
        exporter: String,
        differences: Vec<String>,
    },

    /// The composition could not be encoded or did not validate.
    #[error("encoding the composed component failed: {message}")]
    #[diagnostic(code(compose::link::encode))]
    Encode { message: String },

    /// An import that the composed result still has, and nothing provides.
    #[error("component `{importer}` imports {what} `{import}`, but no component exports it and the host does not provide it")]
    #[diagnostic(code(compose::link::unsatisfied), help("{help}"))]
    Unsatisfied {
        importer: String,
        what: &'static str,
        import: String,
        help: String,
    },

    /// A component imports a WASI version the runtime does not implement.
    #[error("component `{component}` imports `{import}`, but compose runs WASI {host}")]
    #[diagnostic(
        code(compose::link::wasi_version),
        help("build it against a WASI version from {range} (update its toolchain or its WIT); other 0.2 versions compose together")
    )]
    WasiVersion {
        component: String,
        import: String,
        host: String,
        range: String,
    },

    /// A virtual WASI component could not be made for a component's grants.
    #[error(
        "component `{component}`: could not make the virtual WASI that confines it: {message}"
    )]
    #[diagnostic(
        code(compose::link::virtual_wasi),
        help("this is a bug in compose; as a way around it, grant the component what it asks for in compose.toml (`grants`)")
    )]
    Virtual { component: String, message: String },

    /// A component's grants ask for something compose cannot enforce for it.
    #[error("component `{component}` cannot be confined as its grants say: {reason}")]
    #[diagnostic(
        code(compose::link::ungrantable),
        help("change the component's `grants` in compose.toml")
    )]
    Ungrantable { component: String, reason: String },

    /// Two components share a host resource through an interface, but one of them is
    /// confined: its resource of that kind is its virtual WASI's, not the host's.
    #[error("{link}, which passes the host's `{resource}` ({interface}); but `{confined}`'s {interface} is virtual: it is confined to its grants, so a host `{resource}` is not one of its own")]
    #[diagnostic(
        code(compose::link::virtual_resource),
        help("pass data instead of the handle (the bytes, or a path `{confined}` is granted); or give `{confined}` grants that keep its {interface} the host's (for files: its folders writable and its standard streams, e.g. `grants = {{ dirs = [\"/data\"], stdin = true }}`)")
    )]
    VirtualResource {
        /// "`app` imports `demo:files/reader` from `lib`".
        link: String,
        confined: String,
        resource: String,
        interface: String,
    },
}
