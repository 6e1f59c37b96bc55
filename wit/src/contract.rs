//! Does a built component honour its world?
//!
//! The authority is the Component Model's own type check: wit-component's `targets`, which
//! validates (with wasmparser's subtyping, an exact type equality for functions) that the
//! component can stand where a component of the world is expected. WASI imports the world
//! does not name are allowed (the host provides them), so they are added to the world first.
//!
//! What it says is compose's own structural comparison ([`crate::compare`]): every exported
//! interface and function of the world against the component's, through named types, and
//! every non-WASI import of the component against the world's. When the authority refuses a
//! component and the comparison finds nothing to say, its message is passed on as it is.

use std::fmt;

use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

use crate::compare::{self, Sides};
use crate::names::is_wasi;
use crate::WitError;

/// One way in which a component differs from its declared world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The world exports it, the component does not.
    MissingExport { name: String },
    /// The world exports this interface, the component exports it without this function.
    MissingFunction { interface: String, function: String },
    /// The component's function has another type than the world's.
    FunctionType {
        interface: String,
        function: String,
        declared: String,
        actual: String,
        /// Each difference, through named types (a record's field, a variant's case, ...).
        differences: Vec<String>,
    },
    /// A named type of an interface (reached by no function) differs.
    Type {
        interface: String,
        difference: String,
    },
    /// The component imports something the world does not allow (and the host does not give).
    UnexpectedImport { name: String },
    /// The component imports a function of an interface that the world's import lacks.
    UnexpectedImportFunction { interface: String, function: String },
    /// The Component Model's type check refused the component for a reason the comparison
    /// above does not cover.
    Other { message: String },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::MissingExport { name } => {
                write!(f, "the world exports `{name}`, the component does not")
            }
            Mismatch::MissingFunction {
                interface,
                function,
            } => write!(
                f,
                "the world's `{interface}` has function `{function}`, the component's export lacks it"
            ),
            Mismatch::FunctionType {
                interface,
                function,
                declared,
                actual,
                differences,
            } => {
                if declared == actual {
                    // The same words, different types: the difference is inside a named type.
                    write!(
                        f,
                        "`{function}` in `{interface}` (`{declared}`): its types differ from the world's"
                    )?;
                } else {
                    write!(
                        f,
                        "`{function}` in `{interface}`: the world says `{declared}`, the component has `{actual}`"
                    )?;
                }
                for d in differences {
                    write!(f, "\n      {d}")?;
                }
                Ok(())
            }
            Mismatch::Type {
                interface,
                difference,
            } => write!(f, "in `{interface}`: {difference}"),
            Mismatch::UnexpectedImport { name } => write!(
                f,
                "the component imports `{name}`, which its world does not import"
            ),
            Mismatch::UnexpectedImportFunction {
                interface,
                function,
            } => write!(
                f,
                "the component imports function `{function}` of `{interface}`, which the world's `{interface}` does not have"
            ),
            Mismatch::Other { message } => write!(
                f,
                "the Component Model's type check refuses it: {message}"
            ),
        }
    }
}

/// Compares the component in `bytes` (named `what` in errors) with world `world` of
/// `declared`. Empty when it fits.
pub fn check(
    bytes: &[u8],
    what: &str,
    declared: &Resolve,
    world: WorldId,
) -> Result<Vec<Mismatch>, WitError> {
    let (resolve, component_world) = crate::decode::component_world(bytes, what)?;
    let readable = compare_worlds(declared, world, &resolve, component_world);
    Ok(
        match authority(declared, world, &resolve, component_world, bytes) {
            Ok(()) => Vec::new(),
            // The authority could not be asked (the worlds do not merge): the comparison stands.
            Err(Authority::Unavailable) => readable,
            Err(Authority::Refused(message)) if readable.is_empty() => {
                vec![Mismatch::Other { message }]
            }
            Err(Authority::Refused(_)) => readable,
        },
    )
}

/// The structural comparison, item by item.
fn compare_worlds(
    declared: &Resolve,
    world: WorldId,
    component: &Resolve,
    component_world: WorldId,
) -> Vec<Mismatch> {
    let sides = Sides {
        left: declared,
        right: component,
        left_name: "the world",
        right_name: "the component",
    };
    let (want, have) = (&declared.worlds[world], &component.worlds[component_world]);
    let named = |r: &Resolve, items: &wit_parser::IndexMap<WorldKey, WorldItem>| {
        items
            .iter()
            .map(|(k, v)| (r.name_world_key(k), v.clone()))
            .collect::<Vec<_>>()
    };
    let have_exports = named(component, &have.exports);
    let have_imports = named(component, &have.imports);
    let want_imports = named(declared, &want.imports);
    let mut out = Vec::new();
    for (name, item) in named(declared, &want.exports) {
        match have_exports.iter().find(|(n, _)| *n == name) {
            None => out.push(Mismatch::MissingExport { name }),
            Some((_, found)) => {
                if !both(sides, &name, &item, found, Direction::Export, &mut out) {
                    out.push(Mismatch::MissingExport { name });
                }
            }
        }
    }
    // What the component imports must be what the world imports (WASI aside): the world is
    // the contract its host, or the components linked to it, are built against.
    let reversed = Sides {
        left: component,
        right: declared,
        left_name: "the component",
        right_name: "the world",
    };
    for (name, item) in have_imports {
        if is_wasi(&name) || matches!(item, WorldItem::Type { .. }) {
            continue;
        }
        match want_imports.iter().find(|(n, _)| *n == name) {
            None => out.push(Mismatch::UnexpectedImport { name }),
            Some((_, allowed)) => {
                if !both(reversed, &name, &item, allowed, Direction::Import, &mut out) {
                    out.push(Mismatch::UnexpectedImport { name });
                }
            }
        }
    }
    out
}

/// Which way a comparison goes: the world's export against the component's (the world on
/// the left), or the component's import against the world's (the component on the left).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Export,
    Import,
}

/// Compares an item both sides have under `name`; false when they are not the same kind of
/// item (an interface on one side, a function on the other).
fn both(
    sides: Sides<'_>,
    name: &str,
    left: &WorldItem,
    right: &WorldItem,
    direction: Direction,
    out: &mut Vec<Mismatch>,
) -> bool {
    // A function's type, worded as the world's (declared) against the component's.
    let typed = |function: String, left: String, right: String, differences: Vec<String>| {
        let (declared, actual) = match direction {
            Direction::Export => (left, right),
            Direction::Import => (right, left),
        };
        Mismatch::FunctionType {
            interface: name.to_string(),
            function,
            declared,
            actual,
            differences,
        }
    };
    match (left, right) {
        (WorldItem::Type { .. }, _) => true,
        (WorldItem::Interface { id: l, .. }, WorldItem::Interface { id: r, .. }) => {
            let diff = compare::interfaces(sides, *l, *r);
            out.extend(diff.only_left.into_iter().map(|function| match direction {
                Direction::Export => Mismatch::MissingFunction {
                    interface: name.to_string(),
                    function,
                },
                Direction::Import => Mismatch::UnexpectedImportFunction {
                    interface: name.to_string(),
                    function,
                },
            }));
            out.extend(
                diff.changed
                    .into_iter()
                    .map(|c| typed(c.function, c.left, c.right, c.differences)),
            );
            out.extend(diff.types.into_iter().map(|difference| Mismatch::Type {
                interface: name.to_string(),
                difference,
            }));
            true
        }
        (WorldItem::Function(l), WorldItem::Function(r)) => {
            let differences = compare::functions(sides, l, r);
            if !differences.is_empty() {
                let mut m = typed(
                    name.to_string(),
                    crate::render::signature(sides.left, l),
                    crate::render::signature(sides.right, r),
                    differences,
                );
                if let Mismatch::FunctionType { interface, .. } = &mut m {
                    *interface = match direction {
                        Direction::Export => "the world".into(),
                        Direction::Import => "the world's imports".into(),
                    };
                }
                out.push(m);
            }
            true
        }
        _ => false,
    }
}

enum Authority {
    /// The type check refused the component, with this message.
    Refused(String),
    /// The world could not be prepared for the check.
    Unavailable,
}

/// Asks wit-component whether the component targets the world, once the component's own
/// WASI imports have been added to the world. The WASI packages it imports are carried over
/// as WIT text (only those the project does not have at that version): merging whole
/// resolves would union the component's view of the project's own interfaces into the
/// world, and so hide the very differences this is asked to find.
fn authority(
    declared: &Resolve,
    world: WorldId,
    component: &Resolve,
    component_world: WorldId,
    bytes: &[u8],
) -> Result<(), Authority> {
    let mut target = declared.clone();
    let wasi = crate::decode::print_packages(component, &|name| !is_wasi(name))
        .map_err(|_| Authority::Unavailable)?;
    let texts: Vec<(&str, &str)> = wasi
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    crate::project::push_texts(&mut target, &texts).map_err(|_| Authority::Unavailable)?;
    // The component's WASI imports, found by name in `target`; WASI first, since what the
    // declared items use must come before them.
    let mut imports: wit_parser::IndexMap<WorldKey, WorldItem> = Default::default();
    for key in component.worlds[component_world].imports.keys() {
        let name = component.name_world_key(key);
        if !is_wasi(&name) {
            continue;
        }
        let id = interface_named(&target, &name).ok_or(Authority::Unavailable)?;
        import_with_deps(&target, id, &mut imports);
    }
    let mut with_host = target.worlds[world].clone();
    with_host.name = format!("{}-with-host", with_host.name);
    for (k, v) in &with_host.imports {
        imports.entry(k.clone()).or_insert_with(|| v.clone());
    }
    with_host.imports = imports;
    let with_host = target.worlds.alloc(with_host);
    // wit-component panics on a world it cannot encode; that is no verdict on the component.
    let verdict = crate::isolate::isolated("contract", || {
        wit_component::targets(&target, with_host, bytes).map_err(|e| {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            chain
        })
    })
    .map_err(|_| Authority::Unavailable)?;
    verdict.map_err(|chain| {
        Authority::Refused(if chain.len() > 1 {
            chain[1..].join(": ")
        } else {
            chain.join(": ")
        })
    })
}

/// Adds interface `id` to `imports`, after the interfaces whose types it uses (a world must
/// import those first).
fn import_with_deps(
    resolve: &Resolve,
    id: wit_parser::InterfaceId,
    imports: &mut wit_parser::IndexMap<WorldKey, WorldItem>,
) {
    if imports.contains_key(&WorldKey::Interface(id)) {
        return;
    }
    let deps: Vec<_> = resolve.interface_direct_deps(id).collect();
    for dep in deps {
        import_with_deps(resolve, dep, imports);
    }
    imports.insert(
        WorldKey::Interface(id),
        WorldItem::Interface {
            id,
            stability: Default::default(),
            span: Default::default(),
            docs: Default::default(),
            external_id: Default::default(),
        },
    );
}

/// The interface `ns:pkg/iface@version` of `resolve`.
fn interface_named(resolve: &Resolve, name: &str) -> Option<wit_parser::InterfaceId> {
    let (package, iface) = name.split_once('/')?;
    let (iface, version) = match iface.split_once('@') {
        Some((i, v)) => (i, Some(v)),
        None => (iface, None),
    };
    let package = match version {
        Some(v) => format!("{package}@{v}"),
        None => package.to_string(),
    };
    resolve
        .packages
        .iter()
        .find(|(_, p)| p.name.to_string() == package)
        .and_then(|(_, p)| p.interfaces.get(iface).copied())
}

#[cfg(test)]
mod tests;
