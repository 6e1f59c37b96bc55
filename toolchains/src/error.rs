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

    /// A component's world needs the component model's async, which its language's
    /// generator cannot build here.
    #[error("component `{component}`: {why}, and compose cannot build the component model's async for it in {language}")]
    #[diagnostic(code(compose::toolchain::no_async), help("{help}"))]
    NoAsync {
        component: String,
        language: Language,
        why: String,
        help: String,
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

    /// A C component lacks a function its world exports.
    #[error("component `{component}`: the world exports `{symbol}`, but no C file of `{dir}` defines it\n{output}")]
    #[diagnostic(
        code(compose::toolchain::c_export),
        help("define it in one of the component's .c files: `{declaration} {{ ... }}`")
    )]
    MissingCExport {
        component: String,
        symbol: String,
        declaration: String,
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

    /// A file or process operation failed.
    #[error("could not {what}: {source}")]
    #[diagnostic(code(compose::toolchain::io))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// What a failed compile reported, for naming what it means.
pub(crate) struct Failed {
    pub component: String,
    pub dir: String,
    pub output: String,
}

impl ToolchainError {
    /// A failed compile whose output has a line `find` recognizes (a compiler's words for an
    /// export the world expects and the sources lack) said as `explain` says it; any other
    /// error as it is.
    pub(crate) fn explained<T>(
        self,
        find: impl Fn(&str) -> Option<T>,
        explain: impl FnOnce(T, Failed) -> ToolchainError,
    ) -> ToolchainError {
        let ToolchainError::CompileFailed {
            component,
            dir,
            output,
            ..
        } = &self
        else {
            return self;
        };
        let Some(found) = output.lines().find_map(find) else {
            return self;
        };
        explain(
            found,
            Failed {
                component: component.clone(),
                dir: dir.clone(),
                output: output.clone(),
            },
        )
    }
}
