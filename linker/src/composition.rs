//! The composition: one value from the parts, through the plan (who provides what to whom),
//! to the encoded component, and to what the build report says about it. Built on wac's
//! composition graph, which type-checks every link with the Component Model's subtyping
//! (resources included) as it is made.

use std::collections::HashMap;

use compose_wit::decode::WasmKind;
use serde::{Deserialize, Serialize};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, Processor};

use crate::mismatch::type_differences;
use crate::part::{Item, ItemClass, Part};
use crate::{LinkError, Wiring};
pub use confine::{virtual_name, Confinement};
pub use plan::Inferred;

/// One connection: `exporter`'s export `import` satisfies `importer`'s import of that name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The component that imports.
    pub importer: String,
    /// The name (e.g. `demo:greet/greeter@0.1.0`, or `f` for a function of the world).
    pub import: String,
    /// The component that exports it.
    pub exporter: String,
    /// Whether it is an interface, an interface of types only, or a function.
    pub class: ItemClass,
    /// The exporter's name for it, where it differs from `import`: a virtual WASI component
    /// exports the version the runtime implements to an importer of an older patch; a type
    /// has another name in its interface than in the importer's world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<String>,
    /// For a type: the interface of the exporter it is taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
}

/// An import of a planned part that no part provides: the host's to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlinked<'a> {
    pub importer: &'a str,
    pub item: &'a Item,
}

/// The parts, and once planned, how they are wired.
#[derive(Default)]
pub struct Composition {
    graph: CompositionGraph,
    parts: Vec<Part>,
    plan: Option<Plan>,
}

struct Plan {
    root: usize,
    /// Parts to instantiate, each after those it imports from.
    order: Vec<usize>,
    links: Vec<Link>,
    /// The choices planning made where the wiring had one answer.
    inferred: Vec<Inferred>,
    /// The graph's instantiation of each planned part, once made.
    nodes: HashMap<usize, NodeId>,
}

impl Composition {
    /// An empty composition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates a component (with compose's one feature set) and adds it as `name`.
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) -> Result<&Part, LinkError> {
        self.plan = None;
        self.add_part(name, bytes)
    }

    /// Adds a part, keeping the plan (which does not use it until told).
    fn add_part(&mut self, name: &str, bytes: Vec<u8>) -> Result<&Part, LinkError> {
        let invalid = |message: String| LinkError::Invalid {
            component: name.to_string(),
            message,
        };
        if let Some(why) = WasmKind::of(&bytes).not_a_component() {
            return Err(invalid(format!("it is {why}")));
        }
        compose_wit::validator()
            .validate_all(&bytes)
            .map_err(|e| invalid(e.message().to_string()))?;
        let package = Package::from_bytes(name, None, bytes.clone(), self.graph.types_mut())
            .map_err(|e| invalid(format!("{e:#}")))?;
        let world = package.ty();
        let id = self
            .graph
            .register_package(package)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let types = self.graph.types();
        let part = Part::new(name, id, bytes, types, &types[world]);
        self.parts.push(part);
        Ok(self.parts.last().expect("just pushed"))
    }

    /// The parts, in the order they were added.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The part named `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.parts.iter().position(|p| p.name == name)
    }

    /// Decides, starting from `root`, which part provides each import: the importer's own
    /// wiring, else the general wiring, else the one other part that exports it. WASI is the
    /// host's unless wired; an import nobody exports is left for the host (see
    /// [`Composition::unlinked`]).
    pub fn plan(&mut self, root: &str, wiring: &Wiring) -> Result<(), LinkError> {
        let Some(root_index) = self.index(root) else {
            let mut known: Vec<&str> = self.parts.iter().map(|p| p.name.as_str()).collect();
            known.sort();
            return Err(LinkError::UnknownRoot {
                root: root.to_string(),
                known: known.join(", "),
            });
        };
        self.check_wiring(wiring)?;
        let planned = plan::plan(&self.parts, wiring, root_index)?;
        self.plan = Some(Plan {
            root: root_index,
            order: planned.order,
            links: planned.links,
            inferred: planned.inferred,
            nodes: HashMap::new(),
        });
        Ok(())
    }

    /// Plans with `links` as they are given (a `.wac` script's, see [`crate::wac`]): the
    /// parts reached from `root` through them are instantiated, each after those it imports
    /// from.
    pub fn plan_links(&mut self, root: &str, links: Vec<Link>) -> Result<(), LinkError> {
        let Some(root_index) = self.index(root) else {
            let mut known: Vec<&str> = self.parts.iter().map(|p| p.name.as_str()).collect();
            known.sort();
            return Err(LinkError::UnknownRoot {
                root: root.to_string(),
                known: known.join(", "),
            });
        };
        let mut order = Vec::new();
        let mut stack = Vec::new();
        self.order_from(root_index, &links, &mut order, &mut stack)?;
        self.plan = Some(Plan {
            root: root_index,
            order,
            links,
            inferred: Vec::new(),
            nodes: HashMap::new(),
        });
        Ok(())
    }

    /// Puts `index` after every part it imports from, in `order`.
    fn order_from(
        &self,
        index: usize,
        links: &[Link],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> Result<(), LinkError> {
        if order.contains(&index) {
            return Ok(());
        }
        if let Some(pos) = stack.iter().position(|&n| n == index) {
            let mut cycle: Vec<&str> = stack[pos..]
                .iter()
                .map(|&i| self.parts[i].name.as_str())
                .collect();
            cycle.push(&self.parts[index].name);
            return Err(LinkError::Cycle {
                cycle: cycle.join(" -> "),
            });
        }
        stack.push(index);
        let name = &self.parts[index].name;
        for link in links.iter().filter(|l| &l.importer == name) {
            if let Some(exporter) = self.index(&link.exporter) {
                self.order_from(exporter, links, order, stack)?;
            }
        }
        stack.pop();
        order.push(index);
        Ok(())
    }

    /// Refuses wiring that names an unknown component, or an import no component has.
    fn check_wiring(&self, wiring: &Wiring) -> Result<(), LinkError> {
        for (importer, import, provider) in wiring.entries() {
            let bad = |reason: String| LinkError::BadWire {
                importer: importer.map(str::to_string),
                import: import.to_string(),
                provider: provider.to_string(),
                reason,
            };
            if let Some(importer) = importer {
                let Some(part) = self.part(importer) else {
                    return Err(bad(format!(
                        "`{importer}` is not one of the project's components"
                    )));
                };
                if !part.imports.iter().any(|i| i.name == import) {
                    return Err(bad(format!(
                        "`{importer}` does not import it (it imports: {})",
                        list(&part.import_names())
                    )));
                }
            } else if !self
                .parts
                .iter()
                .any(|p| p.imports.iter().any(|i| i.name == import))
            {
                return Err(bad("no component imports it".into()));
            }
            let Some(part) = self.part(provider) else {
                return Err(bad(format!(
                    "`{provider}` is not one of the project's components"
                )));
            };
            // A type is provided with the interface it is taken from.
            let interface = importer
                .and_then(|i| self.part(i))
                .and_then(|p| p.imports.iter().find(|i| i.name == import))
                .and_then(|i| i.of.as_ref())
                .map_or(import, |of| of.interface.as_str());
            if !part.exports.iter().any(|e| e.name == interface) {
                return Err(bad(format!(
                    "`{provider}` does not export it (it exports: {})",
                    list(&part.export_names())
                )));
            }
        }
        Ok(())
    }

    /// The root, once planned.
    pub fn root(&self) -> Option<&Part> {
        self.plan.as_ref().map(|p| &self.parts[p.root])
    }

    /// The planned parts, each after those it imports from (the root last).
    pub fn planned(&self) -> Vec<&Part> {
        self.plan
            .iter()
            .flat_map(|p| p.order.iter().map(|&i| &self.parts[i]))
            .collect()
    }

    /// The choices planning made where exactly one assignment used every component.
    pub fn inferred(&self) -> &[Inferred] {
        self.plan.as_ref().map_or(&[], |p| &p.inferred)
    }

    /// The planned links.
    pub fn links(&self) -> &[Link] {
        self.plan.as_ref().map_or(&[], |p| &p.links)
    }

    /// Every import of a planned part that no part provides.
    pub fn unlinked(&self) -> Vec<Unlinked<'_>> {
        let links = self.links();
        self.planned()
            .into_iter()
            .flat_map(|part| {
                part.imports
                    .iter()
                    .filter(|item| {
                        !links
                            .iter()
                            .any(|l| l.importer == part.name && l.import == item.name)
                    })
                    .map(move |item| Unlinked {
                        importer: &part.name,
                        item,
                    })
            })
            .collect()
    }

    /// Encodes the planned composition as one component whose exports are the root's; every
    /// part is embedded, unlinked imports become the result's imports (one per name).
    pub fn encode(&mut self) -> Result<Vec<u8>, LinkError> {
        let plan = self.plan.as_mut().ok_or_else(|| LinkError::Encode {
            message: "the composition was not planned".into(),
        })?;
        if plan.nodes.is_empty() {
            for &i in &plan.order {
                let node = self.graph.instantiate(self.parts[i].package);
                self.graph.set_node_name(node, &self.parts[i].name);
                plan.nodes.insert(i, node);
            }
            for link in &plan.links {
                let index = |name: &str| self.parts.iter().position(|p| p.name == name);
                let (Some(importer), Some(exporter)) =
                    (index(&link.importer), index(&link.exporter))
                else {
                    continue;
                };
                let fail = |message: String| LinkError::Encode {
                    message: format!(
                        "`{}`'s import `{}` from `{}`: {message}",
                        link.importer, link.import, link.exporter
                    ),
                };
                let mut from = plan.nodes[&exporter];
                if let Some(interface) = &link.interface {
                    // A type: aliased from the interface the exporter provides it in.
                    from = self
                        .graph
                        .alias_instance_export(from, interface)
                        .map_err(|e| fail(format!("{e:#}")))?;
                }
                let export = self
                    .graph
                    .alias_instance_export(from, link.export.as_deref().unwrap_or(&link.import))
                    .map_err(|e| fail(format!("{e:#}")))?;
                if let Err(e) = self.graph.set_instantiation_argument(
                    plan.nodes[&importer],
                    &link.import,
                    export,
                ) {
                    let checker = match e {
                        wac_graph::InstantiationArgumentError::ArgumentTypeMismatch {
                            source,
                            ..
                        } => format!("{source:#}"),
                        other => return Err(fail(format!("{other:#}"))),
                    };
                    if let Some(shared) = confine::virtual_resource(
                        &plan.links,
                        link,
                        &self.parts[importer],
                        &self.parts[exporter],
                    ) {
                        return Err(shared);
                    }
                    return Err(LinkError::Mismatch {
                        importer: link.importer.clone(),
                        import: link.import.clone(),
                        exporter: link.exporter.clone(),
                        differences: type_differences(
                            &self.parts[importer],
                            &self.parts[exporter],
                            &link.import,
                        )
                        .unwrap_or_else(|| vec![checker]),
                    });
                }
            }
            let root = plan.root;
            for item in &self.parts[root].exports {
                let export = self
                    .graph
                    .alias_instance_export(plan.nodes[&root], &item.name)
                    .map_err(|e| LinkError::Encode {
                        message: format!("export `{}`: {e:#}", item.name),
                    })?;
                self.graph
                    .export(export, &item.name)
                    .map_err(|e| LinkError::Encode {
                        message: format!("export `{}`: {e:#}", item.name),
                    })?;
            }
        }
        let bytes = self
            .graph
            .encode(EncodeOptions {
                define_components: true,
                // Validated once, below, with the features compose runs with.
                validate: false,
                processor: Some(Processor {
                    name: "compose",
                    version: env!("CARGO_PKG_VERSION"),
                }),
            })
            .map_err(|e| LinkError::Encode {
                message: error_chain(&e),
            })?;
        // The result runs on compose's runtime: it must validate with its features too.
        if let Err(e) = compose_wit::validator().validate_all(&bytes) {
            // A resource of a confined part's virtual WASI handed across a link is found
            // only here, and said by what caused it.
            let links = &plan.links;
            let part = |name: &str| self.parts.iter().find(|p| p.name == name);
            let shared = links.iter().find_map(|link| {
                confine::virtual_resource(links, link, part(&link.importer)?, part(&link.exporter)?)
            });
            return Err(shared.unwrap_or_else(|| LinkError::Encode {
                message: format!("the result does not validate: {}", e.message()),
            }));
        }
        Ok(bytes)
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

/// An error and its causes, in one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

mod confine;
mod plan;
#[cfg(test)]
mod tests;
