//! A `.wac` script as the wiring of a composition. wac's own parser reads the script and
//! resolves it against the built components (`new ns:name { ... }` names the component
//! `name`), type-checking every argument; each argument of each instantiation then becomes a
//! link of compose's plan (an interface, a function of a world, a type taken from an
//! interface), and the instance whose exports the script exports is the root. Confinement,
//! the host's checks and the encoding stay compose's.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use miette::{LabeledSpan, NamedSource, SourceSpan};
use wac_graph::types::BorrowedPackageKey;
use wac_graph::{CompositionGraph, NodeId, NodeKind};
use wac_parser::{Document, Expr, InstantiationArgument, PrimaryExpr, Statement};

use crate::{Composition, ItemClass, Link};

/// What a script wires: the root, and every link.
#[derive(Debug, Clone)]
pub struct Script {
    pub root: String,
    pub links: Vec<Link>,
}

/// A script that does not wire the composition, said at its place in the script.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{script}: {message}")]
#[diagnostic(code(compose::wac), help("{help}"))]
pub struct ScriptError {
    pub script: String,
    pub message: String,
    pub help: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label(collection)]
    pub labels: Vec<LabeledSpan>,
}

/// The wiring `source` (the script `name`) gives the parts of `composition`. The root is the
/// instance whose exports the script exports; `root` names it when the script exports
/// nothing (a root without exports, such as a command whose `run` is its only export when
/// the world says so), and must agree when it does.
pub fn wiring(
    name: &str,
    source: &str,
    composition: &Composition,
    root: Option<&str>,
) -> Result<Script, Box<ScriptError>> {
    let fail = |message: String, help: &str, labels: Vec<LabeledSpan>| {
        Box::new(ScriptError {
            script: name.to_string(),
            message,
            help: help.to_string(),
            src: NamedSource::new(name, source.to_string()),
            labels,
        })
    };
    let from_wac = |e: &dyn miette::Diagnostic| {
        let labels = e.labels().map(Iterator::collect).unwrap_or_default();
        fail(
            chain(e),
            &e.help().map(|h| h.to_string()).unwrap_or_else(|| {
                "see wac's language: https://github.com/bytecodealliance/wac".into()
            }),
            labels,
        )
    };
    let document = Document::parse(source).map_err(|e| from_wac(&e))?;
    // Each package the script instantiates, and the component it names.
    let mut news = Vec::new();
    for statement in &document.statements {
        if let Statement::Let(l) = statement {
            instantiations(&l.expr, &mut news);
        }
    }
    let mut packages = IndexMap::new();
    let mut component_of: BTreeMap<String, String> = BTreeMap::new();
    let mut at: BTreeMap<String, SourceSpan> = BTreeMap::new();
    for new in &news {
        let short = new.name.rsplit(':').next().unwrap_or(new.name);
        let Some(part) = composition.part(short) else {
            let known: Vec<&str> = composition
                .parts()
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            return Err(fail(
                format!("`{}` names no component of the project", new.name),
                &format!(
                    "a script's `new ns:name` names the component `name` of compose.toml (the components are: {})",
                    known.join(", ")
                ),
                vec![LabeledSpan::at(new.span, "no component of that name")],
            ));
        };
        if at.contains_key(short) {
            return Err(fail(
                format!("`{}` is instantiated twice", new.name),
                "compose builds one instance of each component: instantiate each once, or list it twice in compose.toml under two names",
                vec![LabeledSpan::at(new.span, "a second instance")],
            ));
        }
        at.insert(short.to_string(), new.span);
        component_of.insert(new.name.to_string(), short.to_string());
        packages.insert(
            BorrowedPackageKey::from_name_and_version(new.name, new.version),
            part.bytes().to_vec(),
        );
    }
    let resolution = document.resolve(packages).map_err(|e| from_wac(&e))?;
    let graph = resolution.graph();
    let component = |node: NodeId| -> Option<String> {
        let package = graph[node].package()?;
        component_of.get(graph[package].name()).cloned()
    };
    let mut links = Vec::new();
    let mut found: Option<String> = None;
    for node in graph.node_ids() {
        if let Some(exported) = graph[node].export_name() {
            let (instance, _) = origin(graph, node);
            let Some(owner) = component(instance) else {
                return Err(fail(
                    format!("it exports `{exported}`, which is no component's export"),
                    "compose's result exports what its root component exports: export one instance's exports (`export app...;`)",
                    Vec::new(),
                ));
            };
            match &found {
                Some(r) if *r != owner => {
                    return Err(fail(
                        format!("it exports from two instances, `{r}` and `{owner}`"),
                        "compose's result exports what one component, its root, exports: export one instance's exports (`export app...;`)",
                        vec![LabeledSpan::at(at[&owner], "this one's too")],
                    ))
                }
                _ => found = Some(owner),
            }
        }
        if !matches!(graph[node].kind(), NodeKind::Instantiation(_)) {
            continue;
        }
        let Some(importer) = component(node) else {
            continue;
        };
        let part = composition
            .part(&importer)
            .expect("a part of the composition");
        for (argument, source) in graph.get_instantiation_arguments(node) {
            let (from, path) = origin(graph, source);
            // The script's own imports stay the result's.
            let Some(exporter) = component(from) else {
                continue;
            };
            let item = part.imports.iter().find(|i| i.name == argument);
            let class = item.map_or(ItemClass::Interface, |i| i.class);
            let (interface, export) = match path.as_slice() {
                [one] => (None, one.clone()),
                [interface, ty] => (Some(interface.clone()), ty.clone()),
                _ => {
                    return Err(fail(
                        format!("`{importer}`'s `{argument}` is given something nested deeper than compose links"),
                        "give an argument an instance's export (`x.iface`), or a type of one (`x.iface.ty`)",
                        vec![LabeledSpan::at(at[&importer], "here")],
                    ))
                }
            };
            links.push(Link {
                importer: importer.clone(),
                import: argument.to_string(),
                exporter,
                class,
                export: (export != argument).then_some(export),
                interface,
            });
        }
    }
    let root = match (found, root) {
        (Some(found), Some(named)) if found != named => {
            return Err(fail(
                format!("it exports `{found}`'s exports, but compose.toml's root is `{named}`"),
                "leave out `[compose] root` (the script says it), or make the two agree",
                vec![LabeledSpan::at(at[&found], "the script's root")],
            ))
        }
        (Some(found), _) => found,
        (None, Some(named)) => named.to_string(),
        (None, None) => {
            return Err(fail(
                "it exports nothing, and compose.toml names no root".into(),
                "end the script with `export app...;` for the root instance `app`, or name it in `[compose] root`",
                Vec::new(),
            ))
        }
    };
    Ok(Script { root, links })
}

/// The component whose instance `source` exports from (`export app...;`), read without
/// resolving the script: what compose.toml's root is when it names none.
pub fn declared_root(name: &str, source: &str) -> Result<Option<String>, Box<ScriptError>> {
    let document = Document::parse(source).map_err(|e| {
        Box::new(ScriptError {
            script: name.to_string(),
            message: chain(&e),
            help: miette::Diagnostic::help(&e)
                .map(|h| h.to_string())
                .unwrap_or_else(|| {
                    "see wac's language: https://github.com/bytecodealliance/wac".into()
                }),
            src: NamedSource::new(name, source.to_string()),
            labels: miette::Diagnostic::labels(&e)
                .map(Iterator::collect)
                .unwrap_or_default(),
        })
    })?;
    let bound = |id: &str| {
        document.statements.iter().find_map(|s| match s {
            Statement::Let(l) if l.id.string == id => match &l.expr.primary {
                PrimaryExpr::New(n) => Some(n.package.name.rsplit(':').next()?.to_string()),
                _ => None,
            },
            _ => None,
        })
    };
    Ok(document.statements.iter().find_map(|s| match s {
        Statement::Export(e) => match &e.expr.primary {
            PrimaryExpr::Ident(id) => bound(id.string),
            _ => None,
        },
        _ => None,
    }))
}

/// Where an argument comes from: the node behind its aliases, and the export names along the
/// way (`iface`, or `iface` then `type`).
fn origin(graph: &CompositionGraph, mut node: NodeId) -> (NodeId, Vec<String>) {
    let mut path = Vec::new();
    while let Some((parent, export)) = graph.get_alias_source(node) {
        path.push(export.to_string());
        node = parent;
    }
    path.reverse();
    (node, path)
}

/// A `new` of the script: the package it names, its version, and where.
struct New<'a> {
    name: &'a str,
    version: Option<&'a semver::Version>,
    span: SourceSpan,
}

/// Every `new` in `expr`, arguments included.
fn instantiations<'a>(expr: &'a Expr<'a>, out: &mut Vec<New<'a>>) {
    match &expr.primary {
        PrimaryExpr::New(n) => {
            out.push(New {
                name: n.package.name,
                version: n.package.version.as_ref(),
                span: n.package.span,
            });
            for argument in &n.arguments {
                if let InstantiationArgument::Named(named) = argument {
                    instantiations(&named.expr, out);
                }
            }
        }
        PrimaryExpr::Nested(nested) => instantiations(&nested.inner, out),
        PrimaryExpr::Ident(_) => {}
    }
}

/// An error and its causes, in one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
