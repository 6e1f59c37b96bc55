use std::collections::HashMap;

use wasm_compose::graph::{CompositionGraph, EncodeOptions, InstanceId};

use crate::{LinkError, Part, Parts, Plan};

/// Encodes the planned composition as one component whose exports are the root's.
/// Every part is embedded (not imported); unconnected imports become the result's imports.
pub fn link(parts: Parts, plan: &Plan) -> Result<Vec<u8>, LinkError> {
    let mut graph = CompositionGraph::new();
    let mut parts: HashMap<String, Part> = parts
        .parts
        .into_iter()
        .map(|p| (p.name.clone(), p))
        .collect();
    let mut instances: HashMap<&str, InstanceId> = HashMap::new();
    for name in &plan.order {
        let part = parts.remove(name).expect("the plan only names given parts");
        let encode = |e: anyhow::Error| LinkError::Encode {
            message: format!("component `{name}`: {e:#}"),
        };
        let id = graph.add_component(part.component).map_err(encode)?;
        let instance = graph.instantiate(id).map_err(encode)?;
        instances.insert(name.as_str(), instance);
    }
    for edge in &plan.edges {
        let fail = |message: String| LinkError::Connect {
            importer: edge.importer.clone(),
            import: edge.import.clone(),
            exporter: edge.exporter.clone(),
            message,
        };
        let importer = instances[edge.importer.as_str()];
        let exporter = instances[edge.exporter.as_str()];
        let (import_index, _) = component_of(&graph, importer)
            .import_by_name(&edge.import)
            .ok_or_else(|| fail("the importer has no such import".into()))?;
        let (export_index, _, _) = component_of(&graph, exporter)
            .export_by_name(&edge.import)
            .ok_or_else(|| fail("the exporter has no such export".into()))?;
        graph
            .connect(exporter, Some(export_index), importer, import_index)
            .map_err(|e| fail(format!("{e:#}")))?;
    }
    graph
        .encode(EncodeOptions {
            define_components: true,
            export: Some(instances[plan.root.as_str()]),
            validate: true,
        })
        .map_err(|e| LinkError::Encode {
            message: format!("{e:#}"),
        })
}

fn component_of<'g>(
    graph: &'g CompositionGraph<'_>,
    instance: InstanceId,
) -> &'g wasm_compose::graph::Component<'g> {
    graph
        .get_component_of_instance(instance)
        .map(|(_, c)| c)
        .expect("instances come from this graph")
}
