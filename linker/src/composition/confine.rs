//! Confinement: a virtual WASI component in front of every planned component but the root,
//! so that each gets from the host only what it was granted.

use std::collections::BTreeMap;

use compose_wit::names::{is_wasi, split_version};
use serde::{Deserialize, Serialize};
use wit_parser::{Type, TypeDefKind, TypeOwner, WorldItem};

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
                // The importer's types of that interface come from the virtual component too.
                for ty in self.parts[index]
                    .imports
                    .iter()
                    .filter(|i| i.of.as_ref().is_some_and(|of| of.interface == import))
                {
                    plan.links
                        .retain(|l| !(l.importer == name && l.import == ty.name));
                    plan.links
                        .push(super::plan::type_link(&name, ty, &virtual_part, &export));
                }
                plan.links.push(Link {
                    importer: name.clone(),
                    export: (export != import).then_some(export),
                    import,
                    exporter: virtual_part.clone(),
                    class,
                    interface: None,
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

/// Why `link` does not type-check when it passes a resource of a WASI interface that one of
/// its two ends gets from its virtual WASI (`None`: that is not why).
pub(super) fn virtual_resource(
    links: &[Link],
    link: &Link,
    importer: &crate::Part,
    exporter: &crate::Part,
) -> Option<LinkError> {
    let (resolve, world) =
        compose_wit::decode::component_world(exporter.bytes(), &exporter.name).ok()?;
    let item = resolve.worlds[world]
        .exports
        .iter()
        .find(|(key, _)| resolve.name_world_key(key) == link.import)
        .map(|(_, item)| item.clone())?;
    let WorldItem::Interface { id, .. } = item else {
        return None;
    };
    let virtualized = |part: &str, interface: &str| {
        let unversioned = split_version(interface).0;
        links.iter().any(|l| {
            l.importer == part
                && l.exporter == virtual_name(part)
                && split_version(&l.import).0 == unversioned
        })
    };
    for ty in resolve.interfaces[id].types.values() {
        let mut at = *ty;
        while let TypeDefKind::Type(Type::Id(next)) = resolve.types[at].kind {
            at = next;
        }
        let def = &resolve.types[at];
        let (TypeDefKind::Resource, TypeOwner::Interface(owner)) = (&def.kind, def.owner) else {
            continue;
        };
        let Some(interface) = resolve.id_of(owner).filter(|i| is_wasi(i)) else {
            continue;
        };
        let Some(confined) = [&importer.name, &exporter.name]
            .into_iter()
            .find(|part| virtualized(part, &interface))
        else {
            continue;
        };
        return Some(LinkError::VirtualResource {
            link: format!(
                "`{}` imports `{}` from `{}`",
                importer.name, link.import, exporter.name
            ),
            confined: confined.clone(),
            resource: def.name.clone().unwrap_or_default(),
            interface: split_version(&interface).0.to_string(),
        });
    }
    None
}
