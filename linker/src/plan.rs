//! Which component satisfies which import. The root's imports are matched with the exports
//! of the other components, by interface name; explicit wiring from the manifest wins.

use std::collections::{BTreeMap, HashMap};

use compose_wit::names::is_wasi;

use crate::{LinkError, Part, Parts};

/// One connection: `exporter`'s export `import` satisfies `importer`'s import of that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The component that imports.
    pub importer: String,
    /// The interface name (e.g. `demo:greet/greeter@0.1.0`).
    pub import: String,
    /// The component that exports it.
    pub exporter: String,
}

/// The composition graph: which parts are instantiated, in which order, wired how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The component whose exports become the result's exports.
    pub root: String,
    /// Parts to instantiate, each after the parts it imports from; the root is last.
    pub order: Vec<String>,
    /// The connections.
    pub edges: Vec<Edge>,
}

/// Plans the composition of `parts` around `root`. `wiring` maps an import name to the part
/// that must provide it. Imports nobody exports are left for the host (checked later).
pub fn plan(
    parts: &Parts,
    root: &str,
    wiring: &BTreeMap<String, String>,
) -> Result<Plan, LinkError> {
    let by_name: HashMap<&str, &Part> = parts.iter().map(|p| (p.name.as_str(), p)).collect();
    if !by_name.contains_key(root) {
        let mut known: Vec<&str> = by_name.keys().copied().collect();
        known.sort();
        return Err(LinkError::UnknownRoot {
            root: root.to_string(),
            known: known.join(", "),
        });
    }
    let exports: Vec<(&str, Vec<String>)> = parts
        .iter()
        .map(|p| (p.name.as_str(), p.exported_interfaces()))
        .collect();
    let mut planner = Planner {
        by_name,
        exports,
        wiring,
        order: Vec::new(),
        edges: Vec::new(),
        stack: Vec::new(),
    };
    planner.visit(root)?;
    Ok(Plan {
        root: root.to_string(),
        order: planner.order,
        edges: planner.edges,
    })
}

struct Planner<'a> {
    by_name: HashMap<&'a str, &'a Part>,
    exports: Vec<(&'a str, Vec<String>)>,
    wiring: &'a BTreeMap<String, String>,
    order: Vec<String>,
    edges: Vec<Edge>,
    stack: Vec<String>,
}

impl Planner<'_> {
    fn visit(&mut self, name: &str) -> Result<(), LinkError> {
        if self.order.iter().any(|n| n == name) {
            return Ok(());
        }
        if let Some(pos) = self.stack.iter().position(|n| n == name) {
            let mut cycle = self.stack[pos..].to_vec();
            cycle.push(name.to_string());
            return Err(LinkError::Cycle {
                cycle: cycle.join(" -> "),
            });
        }
        self.stack.push(name.to_string());
        let part = self.by_name[name];
        for import in part.imported_interfaces() {
            if let Some(exporter) = self.provider(name, &import)? {
                self.visit(&exporter)?;
                self.edges.push(Edge {
                    importer: name.to_string(),
                    import,
                    exporter,
                });
            }
        }
        self.stack.pop();
        self.order.push(name.to_string());
        Ok(())
    }

    /// The part that provides `import` to `importer`, if any.
    fn provider(&self, importer: &str, import: &str) -> Result<Option<String>, LinkError> {
        if let Some(wired) = self.wiring.get(import) {
            let exports = self
                .exports
                .iter()
                .find(|(n, _)| n == wired)
                .map(|(_, e)| e)
                .ok_or_else(|| LinkError::BadWire {
                    import: import.to_string(),
                    provider: wired.clone(),
                    reason: "is not one of the project's components".into(),
                })?;
            if !exports.iter().any(|e| e == import) {
                return Err(LinkError::BadWire {
                    import: import.to_string(),
                    provider: wired.clone(),
                    reason: format!("does not export it (it exports: {})", list(exports)),
                });
            }
            return Ok(Some(wired.clone()));
        }
        // WASI is the host's unless the manifest wires it to a component.
        if is_wasi(import) {
            return Ok(None);
        }
        let providers: Vec<&str> = self
            .exports
            .iter()
            .filter(|(n, e)| *n != importer && e.iter().any(|x| x == import))
            .map(|(n, _)| *n)
            .collect();
        match providers.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.to_string())),
            many => Err(LinkError::Ambiguous {
                importer: importer.to_string(),
                import: import.to_string(),
                providers: many.join(", "),
            }),
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}
