//! Does a built component honour its world? Compares the world a component really carries
//! (decoded from its bytes) with the world the project declares for it.

use std::collections::BTreeMap;
use std::fmt;

use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

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
    },
    /// The component imports something the world does not allow (and the host does not give).
    UnexpectedImport { name: String },
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
            } => write!(
                f,
                "`{function}` in `{interface}`: the world says `{declared}`, the component has `{actual}`"
            ),
            Mismatch::UnexpectedImport { name } => write!(
                f,
                "the component imports `{name}`, which its world does not import"
            ),
        }
    }
}

/// A function name → its signature (`func(a: u32) -> u32`).
pub type Functions = BTreeMap<String, String>;

/// The imports and exports of a world, by name, with the functions of each interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorldShape {
    /// Import name → functions (empty for a bare function).
    pub imports: BTreeMap<String, Functions>,
    /// Export name → functions.
    pub exports: BTreeMap<String, Functions>,
}

impl WorldShape {
    /// The shape of `world` in `resolve`.
    pub fn of(resolve: &Resolve, world: WorldId) -> Self {
        let w = &resolve.worlds[world];
        let collect = |items: &mut dyn Iterator<Item = (&WorldKey, &WorldItem)>| {
            items
                .filter_map(|(key, item)| item_shape(resolve, key, item))
                .collect::<BTreeMap<_, _>>()
        };
        Self {
            imports: collect(&mut w.imports.iter()),
            exports: collect(&mut w.exports.iter()),
        }
    }

    /// Reads the world embedded in a component's bytes.
    pub fn of_component(bytes: &[u8], what: &str) -> Result<Self, WitError> {
        let (resolve, world) = decode_component(bytes, what)?;
        Ok(Self::of(&resolve, world))
    }
}

/// Decodes the WIT world a component carries.
pub fn decode_component(bytes: &[u8], what: &str) -> Result<(Resolve, WorldId), WitError> {
    if !wasmparser::Parser::is_component(bytes) {
        return Err(WitError::NotAComponent {
            what: what.to_string(),
            message: if wasmparser::Parser::is_core_wasm(bytes) {
                "a core WebAssembly module, not a component".into()
            } else {
                "not WebAssembly: it does not start with a component's header".into()
            },
        });
    }
    crate::decode::validate(bytes, what)?;
    match wit_component::decode(bytes) {
        Ok(wit_component::DecodedWasm::Component(resolve, world)) => Ok((resolve, world)),
        Ok(wit_component::DecodedWasm::WitPackage(..)) => Err(WitError::NotAComponent {
            what: what.to_string(),
            message: "it is a WIT package, not a component".into(),
        }),
        Err(e) => Err(WitError::NotAComponent {
            what: what.to_string(),
            message: format!("{e:#}"),
        }),
    }
}

/// Compares a component with the world declared for it. Imports of WASI interfaces are
/// always allowed (the host provides them), as is an extra `wasi:cli/run` export.
pub fn check(component: &WorldShape, declared: &WorldShape) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (name, functions) in &declared.exports {
        match component.exports.get(name) {
            None => out.push(Mismatch::MissingExport { name: name.clone() }),
            Some(have) => {
                for (f, declared_type) in functions {
                    match have.get(f) {
                        None => out.push(Mismatch::MissingFunction {
                            interface: name.clone(),
                            function: f.clone(),
                        }),
                        Some(actual) if actual != declared_type => {
                            out.push(Mismatch::FunctionType {
                                interface: name.clone(),
                                function: f.clone(),
                                declared: declared_type.clone(),
                                actual: actual.clone(),
                            })
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    for name in component.imports.keys() {
        if !is_wasi(name) && !declared.imports.contains_key(name) {
            out.push(Mismatch::UnexpectedImport { name: name.clone() });
        }
    }
    out
}

fn item_shape(resolve: &Resolve, key: &WorldKey, item: &WorldItem) -> Option<(String, Functions)> {
    let name = resolve.name_world_key(key);
    match item {
        WorldItem::Interface { id, .. } => {
            let functions = resolve.interfaces[*id]
                .functions
                .iter()
                .map(|(n, f)| (n.clone(), crate::diff::signature(resolve, f)))
                .collect();
            Some((name, functions))
        }
        WorldItem::Function(f) => Some((
            name.clone(),
            Functions::from([(name, crate::diff::signature(resolve, f))]),
        )),
        // Types travel with the interfaces and functions that use them.
        WorldItem::Type { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(wit: &str, world: &str) -> WorldShape {
        let mut resolve = Resolve::default();
        let pkg = resolve.push_str("t.wit", wit).unwrap();
        let w = resolve.select_world(&[pkg], Some(world)).unwrap();
        WorldShape::of(&resolve, w)
    }

    const WIT: &str = "package demo:x@0.1.0;\n\
        interface i { f: func() -> u32; g: func(); }\n\
        interface j { h: func(); }\n\
        world full { export i; }\n\
        world partial { export i; import j; }\n";

    #[test]
    fn equal_worlds_match() {
        assert!(check(&shape(WIT, "full"), &shape(WIT, "full")).is_empty());
    }

    #[test]
    fn missing_export_and_extra_import_are_found() {
        let component = shape(WIT, "partial");
        let declared = shape(
            "package demo:x@0.1.0;\ninterface i { f: func() -> u32; }\ninterface k { k: func(); }\nworld w { export k; }\n",
            "w",
        );
        let found = check(&component, &declared);
        assert_eq!(
            found,
            vec![
                Mismatch::MissingExport {
                    name: "demo:x/k@0.1.0".into()
                },
                Mismatch::UnexpectedImport {
                    name: "demo:x/j@0.1.0".into()
                },
            ]
        );
    }

    #[test]
    fn a_function_of_another_type_is_found() {
        let component = shape(
            "package demo:x@0.1.0;\ninterface i { f: func() -> u64; g: func(); }\nworld w { export i; }\n",
            "w",
        );
        let found = check(&component, &shape(WIT, "full"));
        assert_eq!(
            found,
            vec![Mismatch::FunctionType {
                interface: "demo:x/i@0.1.0".into(),
                function: "f".into(),
                declared: "func() -> u32".into(),
                actual: "func() -> u64".into(),
            }]
        );
    }

    #[test]
    fn missing_function_is_found() {
        let component = shape(
            "package demo:x@0.1.0;\ninterface i { f: func() -> u32; }\nworld w { export i; }\n",
            "w",
        );
        let found = check(&component, &shape(WIT, "full"));
        assert_eq!(
            found,
            vec![Mismatch::MissingFunction {
                interface: "demo:x/i@0.1.0".into(),
                function: "g".into()
            }]
        );
    }
}
