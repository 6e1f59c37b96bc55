use wasm_compose::graph::Component;
use wasmparser::{ComponentExternalKind, Validator, WasmFeatures};

use crate::LinkError;

/// One finished component taking part in a composition, with its imports and exports read.
pub struct Part {
    /// Its name in the manifest.
    pub name: String,
    pub(crate) component: Component<'static>,
}

/// The parts of one composition. They are validated by one shared validator: wasm-compose
/// compares types across components, which only works for types of the same validator.
pub struct Parts {
    validator: Validator,
    pub(crate) parts: Vec<Part>,
}

impl Default for Parts {
    fn default() -> Self {
        Self {
            validator: validator(),
            parts: Vec::new(),
        }
    }
}

impl Parts {
    /// Parses, validates and adds a component.
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) -> Result<&Part, LinkError> {
        let part = Part::new(&mut self.validator, name, bytes)?;
        self.parts.push(part);
        Ok(self.parts.last().expect("just pushed"))
    }

    /// The parts, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter()
    }
}

impl Part {
    /// Parses and validates a component.
    fn new(validator: &mut Validator, name: &str, bytes: Vec<u8>) -> Result<Self, LinkError> {
        let invalid = |message: String| LinkError::Invalid {
            component: name.to_string(),
            message,
        };
        if wasmparser::Parser::is_core_wasm(&bytes) {
            return Err(invalid("it is a core module, not a component".into()));
        }
        if !wasmparser::Parser::is_component(&bytes) {
            return Err(invalid(
                "it does not start with the component binary header".into(),
            ));
        }
        let component =
            Component::from_bytes(validator, name, bytes).map_err(|e| invalid(format!("{e:#}")))?;
        Ok(Self {
            name: name.to_string(),
            component,
        })
    }

    /// Names of the instances (interfaces) it imports.
    pub fn imported_interfaces(&self) -> Vec<String> {
        self.component
            .imports()
            .filter(|(_, _, ty)| matches!(ty, wasmparser::ComponentTypeRef::Instance(_)))
            .map(|(_, name, _)| name.to_string())
            .collect()
    }

    /// Names of the instances (interfaces) it exports.
    pub fn exported_interfaces(&self) -> Vec<String> {
        self.component
            .exports()
            .filter(|(_, _, kind, _)| *kind == ComponentExternalKind::Instance)
            .map(|(_, name, _, _)| name.to_string())
            .collect()
    }

    /// The component's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.component.bytes()
    }
}

/// Every import of a component: what the host that runs it must provide.
pub fn host_imports(bytes: &[u8]) -> Result<Vec<String>, LinkError> {
    let part = Part::new(&mut validator(), "result", bytes.to_vec())?;
    Ok(part
        .component
        .imports()
        .map(|(_, name, _)| name.to_string())
        .collect())
}

fn validator() -> Validator {
    Validator::new_with_features(WasmFeatures::all())
}

/// The interfaces a component exports.
pub fn exported_interfaces(bytes: &[u8]) -> Result<Vec<String>, LinkError> {
    Ok(Part::new(&mut validator(), "component", bytes.to_vec())?.exported_interfaces())
}
