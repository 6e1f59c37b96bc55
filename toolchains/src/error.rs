use crate::Language;

/// Why a component could not be built.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ToolchainError {
    /// The language's toolchain is not installed (or too old).
    #[error("component `{component}`: {tool} not found{detail}")]
    #[diagnostic(code(compose::toolchain::missing), help("{fix}"))]
    Missing {
        component: String,
        tool: String,
        detail: String,
        fix: String,
    },

    /// The compiler ran and failed; its own output is kept verbatim.
    #[error("component `{component}`: {tool} failed\n{output}")]
    #[diagnostic(
        code(compose::toolchain::compile),
        help("fix the error above in the component's sources (`{dir}`) and build again")
    )]
    CompileFailed {
        component: String,
        tool: String,
        dir: String,
        output: String,
    },

    /// A Go component lacks a function its world exports.
    #[error("component `{component}`: the world exports `{function}`, but package `{package}` does not define it\n{output}")]
    #[diagnostic(
        code(compose::toolchain::go_export),
        help("define `func {function}(...)` in `{dir}/{package}/` with the signature the world gives it")
    )]
    MissingGoExport {
        component: String,
        package: String,
        function: String,
        dir: String,
        output: String,
    },

    /// Binding generation from the WIT failed.
    #[error("component `{component}`: generating {language} bindings failed: {message}")]
    #[diagnostic(code(compose::toolchain::bindings))]
    Bindings {
        component: String,
        language: Language,
        message: String,
    },

    /// The language is known but its builder is not part of this version.
    #[error("component `{component}`: building {language} components is not supported yet")]
    #[diagnostic(
        code(compose::toolchain::unsupported),
        help("build it yourself and declare it as `language = \"wasm\"` with `path` naming the component file")
    )]
    Unsupported {
        component: String,
        language: Language,
    },

    /// A file or process operation failed.
    #[error("could not {what}: {source}")]
    #[diagnostic(code(compose::toolchain::io))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}
