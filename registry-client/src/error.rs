//! Everything that can go wrong with a registry, each with what to do about it.

/// A registry error.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RegistryError {
    #[error("`{reference}` is not a valid reference: {why}")]
    #[diagnostic(
        code(compose::registry::reference),
        help("write a package as `namespace:name@version` (e.g. `demo:codec@0.1.0`) or a full reference as `host[:port]/repository:tag` (e.g. `127.0.0.1:5000/demo/codec:0.1.0`)")
    )]
    BadReference { reference: String, why: String },

    #[error("`{digest}` is not a sha256 digest")]
    #[diagnostic(
        code(compose::registry::digest),
        help("digests are `sha256:` and 64 lowercase hex digits")
    )]
    BadDigest { digest: String },

    #[error("no registry for `{package}`")]
    #[diagnostic(
        code(compose::registry::unmapped),
        help("name one: set COMPOSE_REGISTRY=host[:port], or map the namespace in registries.toml (`[namespaces.<ns>] registry = \"host[:port]\"`), or give a full reference")
    )]
    NoRegistry { package: String },

    #[error("cannot read the registry configuration `{path}`: {message}")]
    #[diagnostic(
        code(compose::registry::config),
        help("the keys are: default-registry; [namespaces.<ns>] registry, prefix; [registries.\"host[:port]\"] username, password, password-env, plain-http")
    )]
    Config { path: String, message: String },

    #[error("cannot reach registry `{registry}`: {message}")]
    #[diagnostic(
        code(compose::registry::unreachable),
        help("check that the registry is running and the address is right (a registry without TLS must be on loopback or marked `plain-http` in registries.toml); use --offline to work from the cache")
    )]
    Unreachable { registry: String, message: String },

    #[error("registry `{registry}` refused the credentials for {action}")]
    #[diagnostic(
        code(compose::registry::unauthorized),
        help("check the user name and password: COMPOSE_REGISTRY_USERNAME / COMPOSE_REGISTRY_PASSWORD, or [registries.\"{registry}\"] in registries.toml")
    )]
    WrongCredentials { registry: String, action: String },

    #[error("registry `{registry}` wants credentials for {action}, and none are configured")]
    #[diagnostic(
        code(compose::registry::unauthenticated),
        help("set COMPOSE_REGISTRY_USERNAME and COMPOSE_REGISTRY_PASSWORD, or add username and password under [registries.\"{registry}\"] in registries.toml")
    )]
    NoCredentials { registry: String, action: String },

    #[error("`{reference}` is not in the registry")]
    #[diagnostic(code(compose::registry::not_found), help("{help}"))]
    NotFound { reference: String, help: String },

    #[error("`{reference}` already exists in the registry")]
    #[diagnostic(
        code(compose::registry::exists),
        help("publish a new version, or pass --force to replace it (anyone who pulled the old one keeps its digest)")
    )]
    Exists { reference: String },

    #[error("{what} does not match its digest: expected {expected}, got {actual} ({size} bytes)")]
    #[diagnostic(
        code(compose::registry::digest_mismatch),
        help("the registry sent other bytes than it promised (tampered with, or truncated); nothing was kept. Publish it again, or ask the registry's owner")
    )]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
        size: usize,
    },

    #[error("`{reference}` is not a Wasm artifact: {why}")]
    #[diagnostic(
        code(compose::registry::not_wasm),
        help("compose pulls Wasm OCI artifacts (config `application/vnd.wasm.config.v0+json`, one `application/wasm` layer), as `compose publish` and wkg push them")
    )]
    NotWasm { reference: String, why: String },

    #[error("registry `{registry}` answered {action} with HTTP {status}: {body}")]
    #[diagnostic(
        code(compose::registry::protocol),
        help("the registry's answer is shown above")
    )]
    Protocol {
        registry: String,
        action: String,
        status: u16,
        body: String,
    },

    #[error("{action} of `{reference}` broke off: {message}")]
    #[diagnostic(
        code(compose::registry::broke_off),
        help("the registry closed the connection before it sent what it announced; nothing was kept: try again, and if it keeps happening, tell the registry's owner")
    )]
    BrokeOff {
        reference: String,
        action: String,
        message: String,
    },

    #[error("{what} of `{reference}` is larger than {limit}")]
    #[diagnostic(
        code(compose::registry::too_large),
        help("the registry sent more than it may ({why}); compose stopped reading, and nothing was kept")
    )]
    TooLarge {
        reference: String,
        what: String,
        limit: String,
        why: String,
    },

    #[error("registry `{registry}` redirected {action} of `{reference}` more than {hops} times (the last time to `{last}`)")]
    #[diagnostic(
        code(compose::registry::redirects),
        help("a registry that redirects in a circle, or on and on, is misconfigured: tell its owner; nothing was kept")
    )]
    Redirects {
        registry: String,
        reference: String,
        action: String,
        hops: usize,
        last: String,
    },

    #[error("registry `{registry}` did not finish {action} of `{reference}` within {within}")]
    #[diagnostic(
        code(compose::registry::too_slow),
        help("a registry that answers this slowly is given up on, and nothing was kept; on a slow link, allow more with COMPOSE_REGISTRY_TIMEOUT (now {base}, plus a second per 256 KiB)")
    )]
    TooSlow {
        registry: String,
        reference: String,
        action: String,
        within: String,
        base: String,
    },

    #[error("`{reference}` is not in the cache, and --offline forbids asking the registry")]
    #[diagnostic(
        code(compose::registry::offline),
        help("run once without --offline to fill the cache")
    )]
    NotCached { reference: String },

    #[error("cannot {action}: {source}")]
    #[diagnostic(code(compose::registry::io))]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Wit(#[from] compose_wit::WitError),
}

impl RegistryError {
    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        RegistryError::Io {
            action: action.into(),
            source,
        }
    }
}
