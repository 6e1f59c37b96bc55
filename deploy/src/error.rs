//! What can go wrong while describing or applying a deployment.

/// Errors of a deployment, each with what to do next.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DeployError {
    /// The service asks for something the engine has no way to express or enforce.
    #[error("{engine} cannot enforce {grant}: {why}")]
    #[diagnostic(code(compose::deploy::grant), help("{help}"))]
    Unsupported {
        engine: &'static str,
        grant: String,
        why: String,
        help: String,
    },

    /// The message bus could not be reached or spoke out of turn.
    #[error("NATS at {url}: {message}")]
    #[diagnostic(code(compose::deploy::nats), help("{help}"))]
    Nats {
        url: String,
        message: String,
        help: String,
    },

    /// A host refused the workload, or did not answer.
    #[error("host {host}: {message}")]
    #[diagnostic(code(compose::deploy::host), help("{help}"))]
    Host {
        host: String,
        message: String,
        help: String,
    },

    /// No host of the engine was heard.
    #[error("{message}")]
    #[diagnostic(code(compose::deploy::no_hosts), help("{help}"))]
    NoHosts { message: String, help: String },

    /// The service itself is not deployable (a name, a host name).
    #[error("{message}")]
    #[diagnostic(code(compose::deploy::input), help("{help}"))]
    Input { message: String, help: String },
}
