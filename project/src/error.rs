use miette::{NamedSource, SourceSpan};

/// Errors of a project operation. Library errors pass through with their own diagnostics.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProjectError {
    /// Something in compose.toml is wrong; points at the line.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(Box<ManifestDiagnostic>),

    /// No compose.toml was found.
    #[error("could not find `compose.toml` in `{dir}` or any parent folder")]
    #[diagnostic(
        code(compose::manifest::not_found),
        help(
            "run compose inside a project, pass `--manifest-path`, or start one with `compose new`"
        )
    )]
    NoManifest { dir: String },

    /// A built component does not implement its declared world.
    #[error("component `{component}` does not match its world `{world}` (declared at {declared_at}):\n{mismatches}")]
    #[diagnostic(
        code(compose::check::world),
        help("make the component's exports match world `{world}` in the project's WIT (or declare the world it really implements in compose.toml)")
    )]
    WorldMismatch {
        component: String,
        world: String,
        declared_at: String,
        mismatches: String,
    },

    /// Several components do not match their worlds.
    #[error("{count} components do not match their worlds:\n{details}")]
    #[diagnostic(
        code(compose::check::world),
        help("make each component's exports match its world in the project's WIT (or declare the world it really implements in compose.toml)")
    )]
    WorldMismatches { count: usize, details: String },

    /// A path or argument given to a command does not fit it.
    #[error("{message}")]
    #[diagnostic(code(compose::input), help("{help}"))]
    Input { message: String, help: String },

    /// `compose publish` was asked for something it cannot do.
    #[error("{message}")]
    #[diagnostic(code(compose::publish), help("{help}"))]
    Publish { message: String, help: String },

    /// `compose new` cannot create the project.
    #[error("{message}")]
    #[diagnostic(code(compose::new), help("{help}"))]
    New { message: String, help: String },

    /// A test file is malformed or targets nothing.
    #[error("test file `{file}`: {message}")]
    #[diagnostic(code(compose::test::file), help("{help}"))]
    Test {
        file: String,
        message: String,
        help: String,
    },

    /// A file operation failed.
    #[error("could not {what}")]
    #[diagnostic(code(compose::io))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// WIT errors.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Wit(#[from] compose_wit::WitError),

    /// Toolchain errors.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Toolchain(Box<compose_toolchains::ToolchainError>),

    /// Linking errors.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Link(#[from] compose_linker::LinkError),

    /// A `.wac` composition script that does not wire the composition.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Script(#[from] Box<compose_linker::wac::ScriptError>),

    /// Runtime errors.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] compose_runtime::RunError),

    /// Publishing, pulling or fetching from a registry failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(Box<compose_registry::RegistryError>),

    /// Deploying to an engine failed, or the engine cannot enforce a grant.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Deploy(#[from] compose_deploy::DeployError),

    /// `--locked` and the lock file would change.
    #[error("compose.lock would change, and --locked forbids it:\n{changes}")]
    #[diagnostic(
        code(compose::lock::changed),
        help("run `compose build` without --locked to update compose.lock, and commit it")
    )]
    LockChanged { changes: String },
}

/// An error located in compose.toml: the message, the source, and the span to underline.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(compose::manifest))]
pub struct ManifestDiagnostic {
    pub(crate) message: String,
    #[source_code]
    pub(crate) src: NamedSource<String>,
    #[label("{label}")]
    pub(crate) span: SourceSpan,
    pub(crate) label: String,
    #[help]
    pub(crate) help: Option<String>,
}

impl From<compose_toolchains::ToolchainError> for ProjectError {
    fn from(e: compose_toolchains::ToolchainError) -> Self {
        ProjectError::Toolchain(Box::new(e))
    }
}

impl From<compose_registry::RegistryError> for ProjectError {
    fn from(e: compose_registry::RegistryError) -> Self {
        ProjectError::Registry(Box::new(e))
    }
}

impl ProjectError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        ProjectError::Io {
            what: what.into(),
            source,
        }
    }
}
