//! What a `.wasm` file is, from the Component Model's point of view: a component with a world,
//! or a WIT package encoded as a component. Used to describe artifacts (registries, `inspect`)
//! and to turn a published WIT package back into WIT text.

use wit_parser::{PackageId, Resolve, WorldId};

use crate::WitError;

/// A decoded `.wasm` file.
#[derive(Debug, Clone)]
pub enum Decoded {
    /// A component: the names it imports and exports (interfaces as `ns:pkg/iface@version`,
    /// plain functions by name).
    Component {
        imports: Vec<String>,
        exports: Vec<String>,
        /// The decoded world, in the package wit-component makes for it.
        resolve: Box<Resolve>,
        world: WorldId,
    },
    /// A WIT package: its name, and its interfaces and worlds (`ns:pkg/name@version`).
    WitPackage {
        name: String,
        items: Vec<String>,
        resolve: Box<Resolve>,
        package: PackageId,
    },
}

/// What a `.wasm` file is, by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmKind {
    /// A component.
    Component,
    /// A core WebAssembly module.
    CoreModule,
    /// Not WebAssembly at all.
    NotWasm,
}

impl WasmKind {
    /// Tells a component from a core module from anything else, by the header alone.
    pub fn of(bytes: &[u8]) -> Self {
        if wasmparser::Parser::is_component(bytes) {
            WasmKind::Component
        } else if wasmparser::Parser::is_core_wasm(bytes) {
            WasmKind::CoreModule
        } else {
            WasmKind::NotWasm
        }
    }

    /// Why bytes of this kind are not a component, in words (`None` for a component).
    pub fn not_a_component(self) -> Option<&'static str> {
        match self {
            WasmKind::Component => None,
            WasmKind::CoreModule => Some("a core WebAssembly module, not a component"),
            WasmKind::NotWasm => {
                Some("not WebAssembly: it does not start with a component's header")
            }
        }
    }
}

/// Decodes the WIT world a component carries, after validating it.
pub fn component_world(bytes: &[u8], what: &str) -> Result<(Resolve, WorldId), WitError> {
    match decode(bytes, what)? {
        Decoded::Component { resolve, world, .. } => Ok((*resolve, world)),
        Decoded::WitPackage { .. } => Err(WitError::NotAComponent {
            what: what.to_string(),
            message: "it is a WIT package, not a component".into(),
        }),
    }
}

/// Decodes `bytes` (named `what` in errors); an error, never a panic, for anything that is
/// not a valid component.
pub fn decode(bytes: &[u8], what: &str) -> Result<Decoded, WitError> {
    let invalid = |message: &str| WitError::NotAComponent {
        what: what.to_string(),
        message: message.to_string(),
    };
    if let Some(why) = WasmKind::of(bytes).not_a_component() {
        return Err(invalid(why));
    }
    validate(bytes, what)?;
    let decoded = wit_component::decode(bytes).map_err(|e| invalid(&format!("{e:#}")))?;
    let resolve = decoded.resolve();
    Ok(match &decoded {
        wit_component::DecodedWasm::Component(_, world) => {
            let w = &resolve.worlds[*world];
            Decoded::Component {
                imports: w
                    .imports
                    .keys()
                    .map(|k| resolve.name_world_key(k))
                    .collect(),
                exports: w
                    .exports
                    .keys()
                    .map(|k| resolve.name_world_key(k))
                    .collect(),
                resolve: Box::new(resolve.clone()),
                world: *world,
            }
        }
        wit_component::DecodedWasm::WitPackage(_, package) => {
            let pkg = &resolve.packages[*package];
            let version = pkg
                .name
                .version
                .as_ref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            let qualify =
                |name: &String| format!("{}:{}/{name}{version}", pkg.name.namespace, pkg.name.name);
            let mut items: Vec<String> = pkg.interfaces.keys().map(qualify).collect();
            items.extend(pkg.worlds.keys().map(qualify));
            Decoded::WitPackage {
                name: pkg.name.to_string(),
                items,
                package: *package,
                resolve: Box::new(resolve.clone()),
            }
        }
    })
}

/// Validates `bytes` as a whole before anything decodes them. The decoder reads section by
/// section and reserves what each section's header announces; a hostile header announcing
/// gigabytes would be believed (found by fuzzing `compose inspect`). Validation works on the
/// bytes in memory and fails on any section longer than the file.
pub fn validate(bytes: &[u8], what: &str) -> Result<(), WitError> {
    crate::features::validator()
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| {
            let message = e.message().to_string();
            if crate::features::is_feature_error(&message) {
                WitError::UnsupportedFeature {
                    what: what.to_string(),
                    message,
                }
            } else {
                WitError::NotAComponent {
                    what: what.to_string(),
                    message: format!("it is not valid: {message}"),
                }
            }
        })
}

/// The project's own WIT package, encoded as a component (the form registries hold).
pub fn encode_package(resolve: &Resolve, package: PackageId) -> Result<Vec<u8>, WitError> {
    wit_component::encode(resolve, package).map_err(|e| WitError::Encode {
        message: format!("cannot encode the WIT package: {e:#}"),
    })
}

/// The WIT text of `package`.
pub fn print_package(resolve: &Resolve, package: PackageId) -> Result<String, WitError> {
    let mut printer = wit_component::WitPrinter::default();
    printer
        .print(resolve, package, &[])
        .map_err(|e| WitError::Encode {
            message: format!("cannot print the package as WIT: {e:#}"),
        })?;
    Ok(printer.output.to_string())
}

/// WIT text of every package in `resolve` except those `skip` names (`ns:name@version`
/// strings, compared without their version): (package name, text), one per package.
pub fn print_packages(
    resolve: &Resolve,
    skip: &dyn Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, WitError> {
    let mut out = Vec::new();
    for (id, pkg) in resolve.packages.iter() {
        let name = pkg.name.to_string();
        if skip(&name) {
            continue;
        }
        let mut printer = wit_component::WitPrinter::default();
        printer
            .print(resolve, id, &[])
            .map_err(|e| WitError::Encode {
                message: format!("cannot print `{name}` as WIT: {e:#}"),
            })?;
        out.push((name, printer.output.to_string()));
    }
    Ok(out)
}
