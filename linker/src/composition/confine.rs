//! Confinement: a virtual WASI component in front of every planned component but the root,
//! so that each gets from the host only what it was granted.

use std::collections::BTreeMap;

use compose_wit::names::is_wasi;
use serde::{Deserialize, Serialize};

use super::{Composition, Link, LinkError};
use crate::virt::{virtualize, Confining, Grants, Reach, Wasi};

/// What confining one component did: how each WASI interface it imports reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confinement {
    /// The component.
    pub component: String,
    /// Its virtual component's name in the composition, if it got one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_component: Option<String>,
    /// Each WASI interface it imports from outside the composition, and how it reaches it.
    pub interfaces: Vec<(String, Reach)>,
}

/// The name of `component`'s virtual WASI component (a manifest name has no dot).
pub fn virtual_name(component: &str) -> String {
    format!("{component}.wasi")
}

impl Composition {
    /// Confines every planned part but the root to its grants (`grants`; a part not in it
    /// gets nothing): the WASI imports its grants narrow or deny are linked to a virtual
    /// component made for it. Call after [`Composition::plan`], before encoding.
    pub fn confine(
        &mut self,
        wasi: &Wasi,
        grants: &BTreeMap<String, Grants>,
    ) -> Result<Vec<Confinement>, LinkError> {
        let Some(plan) = self.plan.as_ref() else {
            return Err(LinkError::Encode {
                message: "the composition was not planned".into(),
            });
        };
        let root = plan.root;
        let confined: Vec<usize> = plan.order.iter().copied().filter(|&i| i != root).collect();
        let mut report = Vec::new();
        for index in confined {
            let part = &self.parts[index];
            let name = part.name.clone();
            let granted = grants.get(&name).cloned().unwrap_or_default();
            let from_host: Vec<String> = part
                .imports
                .iter()
                .filter(|i| is_wasi(&i.name))
                .filter(|i| {
                    !self
                        .links()
                        .iter()
                        .any(|l| l.importer == name && l.import == i.name)
                })
                .map(|i| i.name.clone())
                .collect();
            let confining =
                Confining::new(&granted, &from_host).map_err(|reason| LinkError::Ungrantable {
                    component: name.clone(),
                    reason,
                })?;
            let interfaces = from_host
                .iter()
                .map(|i| (i.clone(), confining.reach(i)))
                .collect();
            let Some(made) = virtualize(wasi, &name, &from_host, &granted, &confining)? else {
                report.push(Confinement {
                    component: name,
                    virtual_component: None,
                    interfaces,
                });
                continue;
            };
            let virtual_part = virtual_name(&name);
            self.add_part(&virtual_part, made.bytes)?;
            let added = self.parts.len() - 1;
            let plan = self.plan.as_mut().expect("planned, checked above");
            let at = plan
                .order
                .iter()
                .position(|&i| i == index)
                .expect("a planned part");
            plan.order.insert(at, added);
            for (import, export) in made.provides {
                let class = self.parts[index]
                    .imports
                    .iter()
                    .find(|i| i.name == import)
                    .map(|i| i.class)
                    .expect("one of its imports");
                plan.links.push(Link {
                    importer: name.clone(),
                    export: (export != import).then_some(export),
                    import,
                    exporter: virtual_part.clone(),
                    class,
                });
            }
            report.push(Confinement {
                component: name,
                virtual_component: Some(virtual_part),
                interfaces,
            });
        }
        Ok(report)
    }
}
