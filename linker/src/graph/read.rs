//! Reading the graph back from a composed file: the outer component's nested components,
//! the instances made of them and the arguments each was instantiated with, followed through
//! aliases to the instance (or the host import) that provides them; names from the
//! `component-name` section (compose names each instance after its component).

use std::collections::HashMap;

use wasmparser::{
    CanonicalFunction, ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentName,
    ComponentTypeRef, KnownCustom, Parser, Payload,
};

use super::pieces::{summarize, ModuleFacts};
use super::{Edge, Graph, Node};
use crate::LinkError;

/// Where an item of the outer component comes from.
#[derive(Debug, Clone)]
enum Source {
    /// An import of the outer component.
    Host,
    /// An instantiation of a nested component (a node).
    Node(usize),
    /// An export of the instance at this index.
    Export { instance: u32 },
    /// The same as the item at this index (an export re-adds it to its index space).
    Same(u32),
    /// Anything else (a lifted function, an instance made of exports, a type).
    Other,
}

/// What a provider resolves to.
enum Provider {
    Host,
    Node(usize),
    Unknown,
}

/// The outer component's index spaces that links go through.
#[derive(Default)]
struct Spaces {
    instances: Vec<Source>,
    funcs: Vec<Source>,
    /// Each component index: the top-level nested component it is, if defined here.
    components: Vec<Option<usize>>,
}

impl Spaces {
    fn space(&mut self, kind: ComponentExternalKind) -> Option<&mut Vec<Source>> {
        match kind {
            ComponentExternalKind::Instance => Some(&mut self.instances),
            ComponentExternalKind::Func => Some(&mut self.funcs),
            _ => None,
        }
    }

    fn push(&mut self, kind: ComponentExternalKind, source: Source) {
        if kind == ComponentExternalKind::Component {
            self.components.push(None);
        } else if let Some(space) = self.space(kind) {
            space.push(source);
        }
    }

    /// Follows aliases (at most as many steps as there are items: no loop runs forever).
    fn resolve(&self, kind: ComponentExternalKind, index: u32) -> Provider {
        let mut space = match kind {
            ComponentExternalKind::Instance => &self.instances,
            ComponentExternalKind::Func => &self.funcs,
            _ => return Provider::Unknown,
        };
        let mut index = index;
        for _ in 0..=self.instances.len() + self.funcs.len() {
            match space.get(index as usize) {
                Some(Source::Host) => return Provider::Host,
                Some(Source::Node(node)) => return Provider::Node(*node),
                Some(Source::Same(i)) => index = *i,
                Some(Source::Export { instance, .. }) => {
                    space = &self.instances;
                    index = *instance;
                }
                Some(Source::Other) | None => return Provider::Unknown,
            }
        }
        Provider::Unknown
    }
}

/// A nested component defined at the top level.
#[derive(Default)]
struct Top {
    size: u64,
    modules: Vec<ModuleFacts>,
}

/// An instantiation, before names are known.
struct Made {
    instance: u32,
    component: u32,
    args: Vec<(String, ComponentExternalKind, u32)>,
}

/// One level of nesting while reading.
enum Level {
    Component { top: Option<usize> },
    Module { top: Option<usize>, module: usize },
}

impl Graph {
    /// Reads the composition inside a composed component. A file made by another tool
    /// reads too; instances it did not name are called `component-N`.
    pub fn read(bytes: &[u8]) -> Result<Graph, LinkError> {
        let invalid = |message: String| LinkError::Invalid {
            component: "the composed file".into(),
            message,
        };
        if !Parser::is_component(bytes) {
            return Err(invalid("it is not a component".into()));
        }
        let mut spaces = Spaces::default();
        let mut tops: Vec<Top> = Vec::new();
        let mut made: Vec<Made> = Vec::new();
        let mut names: HashMap<u32, String> = HashMap::new();
        let mut exports: Vec<(String, ComponentExternalKind, u32)> = Vec::new();
        let mut imports: Vec<String> = Vec::new();
        let mut levels: Vec<Level> = Vec::new();

        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload.map_err(|e| invalid(e.message().to_string()))?;
            // Where this payload is: the outer component (no level yet), or inside a nested one.
            let (top, module) = match levels.last() {
                None => (None, None),
                Some(Level::Component { top }) => (*top, None),
                Some(Level::Module { top, module }) => (*top, Some(*module)),
            };
            let outer = levels.is_empty();
            match &payload {
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    let module = top.map(|t| {
                        tops[t].modules.push(ModuleFacts {
                            size: unchecked_range.end - unchecked_range.start,
                            ..Default::default()
                        });
                        tops[t].modules.len() - 1
                    });
                    levels.push(match module {
                        Some(module) => Level::Module { top, module },
                        None => Level::Component { top: None },
                    });
                    continue;
                }
                Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    let top = if outer {
                        tops.push(Top {
                            size: unchecked_range.end - unchecked_range.start,
                            modules: Vec::new(),
                        });
                        spaces.components.push(Some(tops.len() - 1));
                        Some(tops.len() - 1)
                    } else {
                        top
                    };
                    levels.push(Level::Component { top });
                    continue;
                }
                Payload::End(_) => {
                    levels.pop();
                    continue;
                }
                _ => {}
            }
            if !outer {
                if let (Some(t), Some(m)) = (top, module) {
                    tops[t].modules[m].take(&payload);
                }
                continue;
            }
            match payload {
                Payload::ComponentImportSection(reader) => {
                    for import in reader {
                        let import = import.map_err(|e| invalid(e.message().to_string()))?;
                        let name = import.name.name.to_string();
                        match import.ty {
                            ComponentTypeRef::Instance(_) => {
                                imports.push(name);
                                spaces.instances.push(Source::Host);
                            }
                            ComponentTypeRef::Func(_) => {
                                imports.push(name);
                                spaces.funcs.push(Source::Host);
                            }
                            ComponentTypeRef::Component(_) => spaces.components.push(None),
                            _ => {}
                        }
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader {
                        let instance = instance.map_err(|e| invalid(e.message().to_string()))?;
                        match instance {
                            ComponentInstance::Instantiate {
                                component_index,
                                args,
                            } => {
                                made.push(Made {
                                    instance: spaces.instances.len() as u32,
                                    component: component_index,
                                    args: args
                                        .iter()
                                        .map(|a| (a.name.to_string(), a.kind, a.index))
                                        .collect(),
                                });
                                spaces.instances.push(Source::Node(made.len() - 1));
                            }
                            ComponentInstance::FromExports(_) => {
                                spaces.instances.push(Source::Other);
                            }
                        }
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader {
                        match alias.map_err(|e| invalid(e.message().to_string()))? {
                            ComponentAlias::InstanceExport {
                                kind,
                                instance_index,
                                ..
                            } => spaces.push(
                                kind,
                                Source::Export {
                                    instance: instance_index,
                                },
                            ),
                            ComponentAlias::Outer { kind, .. } => {
                                if kind == wasmparser::ComponentOuterAliasKind::Component {
                                    spaces.components.push(None);
                                }
                            }
                            ComponentAlias::CoreInstanceExport { .. } => {}
                        }
                    }
                }
                Payload::ComponentCanonicalSection(reader) => {
                    for canon in reader {
                        let canon = canon.map_err(|e| invalid(e.message().to_string()))?;
                        if matches!(canon, CanonicalFunction::Lift { .. }) {
                            spaces.funcs.push(Source::Other);
                        }
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(|e| invalid(e.message().to_string()))?;
                        exports.push((export.name.name.to_string(), export.kind, export.index));
                        spaces.push(export.kind, Source::Same(export.index));
                    }
                }
                Payload::CustomSection(section) => {
                    if let KnownCustom::ComponentName(reader) = section.as_known() {
                        for name in reader.into_iter().flatten() {
                            if let ComponentName::Instances(map) = name {
                                for naming in map.into_iter().flatten() {
                                    names.insert(naming.index, naming.name.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        let mut graph = Graph {
            imports,
            exports: exports.iter().map(|(name, _, _)| name.clone()).collect(),
            ..Default::default()
        };
        // Each instantiation of a nested component with code of its own is a node; one
        // without a core module only re-exports with types (wit-component makes such
        // wrappers inside a single component) and is no part of a composition.
        let mut node_of: Vec<Option<usize>> = Vec::with_capacity(made.len());
        for (i, m) in made.iter().enumerate() {
            let top = spaces
                .components
                .get(m.component as usize)
                .copied()
                .flatten()
                .filter(|t| !tops[*t].modules.is_empty());
            let Some(t) = top else {
                node_of.push(None);
                continue;
            };
            let (pieces, language) = summarize(&tops[t].modules);
            node_of.push(Some(graph.nodes.len()));
            graph.nodes.push(Node {
                name: names
                    .get(&m.instance)
                    .cloned()
                    .unwrap_or_else(|| format!("component-{i}")),
                language,
                world: None,
                size: tops[t].size,
                root: false,
                host: Vec::new(),
                pieces,
            });
        }
        for (i, m) in made.iter().enumerate() {
            let Some(importer) = node_of[i] else { continue };
            for (name, kind, index) in &m.args {
                match spaces.resolve(*kind, *index) {
                    Provider::Host => graph.nodes[importer].host.push(name.clone()),
                    Provider::Node(made_index) => {
                        if let Some(exporter) = node_of[made_index] {
                            graph.edges.push(Edge {
                                importer: graph.nodes[importer].name.clone(),
                                exporter: graph.nodes[exporter].name.clone(),
                                interface: name.clone(),
                                confined: None,
                            });
                        }
                    }
                    Provider::Unknown => {}
                }
            }
        }
        graph.mark_confined();
        // The root: the node that provides most of the composition's exports (the last
        // instantiated when it exports nothing).
        let mut provided = vec![0usize; graph.nodes.len()];
        for (_, kind, index) in &exports {
            if let Provider::Node(n) = spaces.resolve(*kind, *index) {
                if let Some(node) = node_of[n] {
                    provided[node] += 1;
                }
            }
        }
        let root = provided
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .max_by_key(|(i, count)| (**count, *i))
            .map(|(i, _)| i)
            .or_else(|| graph.nodes.len().checked_sub(1));
        if let Some(root) = root {
            graph.nodes[root].root = true;
        }
        Ok(graph)
    }
}
