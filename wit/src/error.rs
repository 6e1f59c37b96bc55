use std::path::PathBuf;

/// Everything that can go wrong while loading or checking WIT.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WitError {
    /// The WIT folder named by the manifest does not exist.
    #[error("WIT folder `{}` does not exist", path.display())]
    #[diagnostic(
        code(compose::wit::missing),
        help("create it with the project's `.wit` files, or point `[wit] path` in compose.toml at the right folder")
    )]
    MissingDir { path: PathBuf },

    /// wit-parser refused the WIT; its message already carries file, line and column.
    #[error("the WIT in `{}` does not parse or resolve:\n{message}", path.display())]
    #[diagnostic(code(compose::wit::invalid), help("fix the WIT at the location shown"))]
    Invalid { path: PathBuf, message: String },

    /// A world named in the manifest is not in the project's package.
    #[error("world `{world}` is not defined in package `{package}`")]
    #[diagnostic(code(compose::wit::unknown_world), help("{help}"))]
    UnknownWorld {
        world: String,
        package: String,
        help: String,
    },

    /// A `.wasm` file could not be read as a component carrying a WIT world.
    #[error("`{what}` is not a WebAssembly component with a WIT world: {message}")]
    #[diagnostic(
        code(compose::wit::not_a_component),
        help("give a component built for the WIT component model (a core module must be componentized first)")
    )]
    NotAComponent { what: String, message: String },

    /// A WIT package could not be encoded or printed.
    #[error("{message}")]
    #[diagnostic(code(compose::wit::encode))]
    Encode { message: String },
}
