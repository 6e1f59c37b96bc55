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

#[cfg(test)]
mod tests {
    use super::*;

    /// A component importing `imports` and exporting `exports`, each an interface with
    /// one function `f: func()`.
    fn component(imports: &[&str], exports: &[&str]) -> Vec<u8> {
        let mut wat = String::from("(component\n");
        for (i, name) in imports.iter().enumerate() {
            wat.push_str(&format!(
                "(import \"{name}\" (instance $imp{i} (export \"f\" (func))))\n"
            ));
        }
        if !exports.is_empty() {
            wat.push_str(
                "(core module $m (func (export \"f\")))\n(core instance $ci (instantiate $m))\n",
            );
            wat.push_str("(func $f (canon lift (core func $ci \"f\")))\n");
            for (i, name) in exports.iter().enumerate() {
                wat.push_str(&format!("(instance $exp{i} (export \"f\" (func $f)))\n(export \"{name}\" (instance $exp{i}))\n"));
            }
        }
        wat.push(')');
        ::wat::parse_str(&wat).unwrap()
    }

    fn parts(list: &[(&str, &[&str], &[&str])]) -> Parts {
        let mut parts = Parts::default();
        for (name, imports, exports) in list {
            parts.add(name, component(imports, exports)).unwrap();
        }
        parts
    }

    #[test]
    fn root_import_is_wired_to_its_exporter() {
        let p = parts(&[("app", &["demo:x/i"], &[]), ("lib", &[], &["demo:x/i"])]);
        let planned = plan(&p, "app", &BTreeMap::new()).unwrap();
        assert_eq!(planned.order, vec!["lib", "app"]);
        assert_eq!(
            planned.edges,
            vec![Edge {
                importer: "app".into(),
                import: "demo:x/i".into(),
                exporter: "lib".into()
            }]
        );
        let composed = crate::link(p, &planned).unwrap();
        assert!(crate::host_imports(&composed).unwrap().is_empty());
    }

    #[test]
    fn two_exporters_are_ambiguous_until_wired() {
        let p = parts(&[
            ("app", &["demo:x/i"], &[]),
            ("a", &[], &["demo:x/i"]),
            ("b", &[], &["demo:x/i"]),
        ]);
        let err = plan(&p, "app", &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("several components export: a, b"), "{err}");
        let wire = BTreeMap::from([("demo:x/i".to_string(), "b".to_string())]);
        let wired = plan(&p, "app", &wire).unwrap();
        assert_eq!(wired.order, vec!["b", "app"]);
    }

    #[test]
    fn wiring_to_a_component_without_the_export_is_refused() {
        let p = parts(&[("app", &["demo:x/i"], &[]), ("lib", &[], &["demo:x/j"])]);
        let wire = BTreeMap::from([("demo:x/i".to_string(), "lib".to_string())]);
        let err = plan(&p, "app", &wire).unwrap_err().to_string();
        assert!(
            err.contains("does not export it (it exports: demo:x/j)"),
            "{err}"
        );
    }

    #[test]
    fn cycles_are_reported() {
        let p = parts(&[
            ("a", &["demo:x/j"], &["demo:x/i"]),
            ("b", &["demo:x/i"], &["demo:x/j"]),
        ]);
        let err = plan(&p, "a", &BTreeMap::new()).unwrap_err().to_string();
        assert!(err.contains("a -> b -> a"), "{err}");
    }

    #[test]
    fn unmatched_imports_are_left_for_the_host() {
        let p = parts(&[("app", &["wasi:cli/stdout@0.2.0", "demo:x/k"], &[])]);
        let planned = plan(&p, "app", &BTreeMap::new()).unwrap();
        assert!(planned.edges.is_empty());
        assert!(plan(&p, "nope", &BTreeMap::new()).is_err());
    }
}
