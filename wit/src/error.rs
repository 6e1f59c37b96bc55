use std::path::{Path, PathBuf};

fn invalid_title(path: &Path, message: &str, location: &Option<String>) -> String {
    match location {
        Some(at) => format!("{at}: {message}"),
        None => format!(
            "the WIT in `{}` does not parse or resolve:\n{message}",
            path.display()
        ),
    }
}

/// wit-parser refused the WIT. Where it says where (file:line:column), the report shows that
/// line with the error as its label; the message keeps the location in words too.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}", invalid_title(path, message, location))]
#[diagnostic(code(compose::wit::invalid))]
pub struct InvalidWit {
    pub path: PathBuf,
    /// wit-parser's own message (its first layers, without its snippet when located).
    pub message: String,
    /// `file:line:column`, when known.
    pub location: Option<String>,
    #[source_code]
    src: Option<miette::NamedSource<String>>,
    #[label("{label}")]
    span: Option<miette::SourceSpan>,
    label: String,
    #[help]
    help: String,
}

/// What to do about a WIT error: a missing package may be one to fetch.
fn invalid_help(message: &str) -> String {
    if message.contains("not found. known packages") {
        "fix the name at the location shown; or, if the package is published, name the registry that serves its namespace (COMPOSE_REGISTRY, or registries.toml) and `compose build` fetches it into wit/deps".into()
    } else {
        "fix the WIT at the location shown".into()
    }
}

impl WitError {
    /// An [`WitError::Invalid`] from wit-parser's rendered error for the WIT in `dir`:
    /// located at the `--> file:line:column` it names, with that file's text as the source.
    pub fn invalid(dir: &Path, rendered: String) -> Self {
        let arrow = rendered
            .lines()
            .position(|l| l.trim_start().starts_with("--> "));
        let located = arrow.and_then(|i| {
            let at = rendered
                .lines()
                .nth(i)?
                .trim_start()
                .trim_start_matches("--> ");
            let mut parts = at.rsplitn(3, ':');
            let col: usize = parts.next()?.parse().ok()?;
            let line: usize = parts.next()?.parse().ok()?;
            let file = parts.next()?;
            let text = std::fs::read_to_string(file).ok()?;
            let line_start: usize = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            let line_text = text[line_start..].lines().next().unwrap_or("");
            let col_offset: usize = line_text
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            // wit-parser underlines with `^---`; the same length here.
            let underline = rendered
                .lines()
                .skip(i)
                .find_map(|l| {
                    let marks = l.trim_start_matches(|c: char| c != '^');
                    (!marks.is_empty())
                        .then(|| marks.chars().take_while(|c| *c == '^' || *c == '-').count())
                })
                .unwrap_or(1)
                .max(1);
            Some((
                at.to_string(),
                file.to_string(),
                text,
                line_start + col_offset,
                underline,
            ))
        });
        let summary = |lines: usize| {
            rendered
                .lines()
                .take(lines)
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n")
                .replace("failed to parse package: ", "")
        };
        match (arrow, located) {
            (Some(i), Some((at, file, text, offset, len))) => {
                let message = summary(i);
                // wit-parser's own prefix names the folder again: drop it.
                let message = message
                    .strip_prefix(&format!("{}: ", dir.display()))
                    .unwrap_or(&message)
                    .to_string();
                let label = message.lines().next().unwrap_or("here").to_string();
                WitError::Invalid(Box::new(InvalidWit {
                    path: dir.to_path_buf(),
                    message,
                    location: Some(at),
                    src: Some(miette::NamedSource::new(file, text)),
                    span: Some(miette::SourceSpan::from(offset..offset + len)),
                    label,
                    help: invalid_help(&rendered),
                }))
            }
            _ => WitError::Invalid(Box::new(InvalidWit {
                path: dir.to_path_buf(),
                message: summary(usize::MAX),
                location: None,
                src: None,
                span: None,
                label: String::new(),
                help: invalid_help(&rendered),
            })),
        }
    }
}

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

    /// wit-parser refused the WIT.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidWit>),

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

    /// A component uses a WebAssembly feature outside the one set compose accepts (what
    /// its runtime runs).
    #[error("`{what}` uses a WebAssembly feature compose's runtime does not run: {message}")]
    #[diagnostic(
        code(compose::wit::unsupported_feature),
        help("compose runs WebAssembly 3.0 without GC types, exceptions and threads, and the component model with maps and fixed-length lists; build the component without the feature named")
    )]
    UnsupportedFeature { what: String, message: String },

    /// A WIT package could not be encoded or printed.
    #[error("{message}")]
    #[diagnostic(code(compose::wit::encode))]
    Encode { message: String },
}
