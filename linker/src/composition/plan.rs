//! Planning: from the root, which part provides each import.

use super::{Link, LinkError, Part};
use crate::part::{Item, ItemClass};
use crate::Wiring;

pub(super) struct Planner<'a> {
    pub parts: &'a [Part],
    pub wiring: &'a Wiring,
    pub order: Vec<usize>,
    pub links: Vec<Link>,
    pub stack: Vec<usize>,
}

impl Planner<'_> {
    pub fn visit(&mut self, index: usize) -> Result<(), LinkError> {
        if self.order.contains(&index) {
            return Ok(());
        }
        if let Some(pos) = self.stack.iter().position(|&n| n == index) {
            let mut cycle: Vec<&str> = self.stack[pos..]
                .iter()
                .map(|&i| self.parts[i].name.as_str())
                .collect();
            cycle.push(&self.parts[index].name);
            return Err(LinkError::Cycle {
                cycle: cycle.join(" -> "),
            });
        }
        self.stack.push(index);
        let part = &self.parts[index];
        for import in &part.imports {
            if let Some(exporter) = self.provider(part, import)? {
                self.visit(exporter)?;
                self.links.push(Link {
                    importer: part.name.clone(),
                    import: import.name.clone(),
                    exporter: self.parts[exporter].name.clone(),
                    class: import.class,
                    export: None,
                });
            }
        }
        self.stack.pop();
        self.order.push(index);
        Ok(())
    }

    /// The part that provides `import` to `importer`, if any.
    fn provider(&self, importer: &Part, import: &Item) -> Result<Option<usize>, LinkError> {
        if let Some(wired) = self.wiring.provider(&importer.name, &import.name) {
            let index = self
                .parts
                .iter()
                .position(|p| p.name == wired)
                .expect("wiring is checked before planning");
            return Ok(Some(index));
        }
        // WASI is the host's unless wired to a component.
        if compose_wit::names::is_wasi(&import.name) || import.class == ItemClass::Other {
            return Ok(None);
        }
        let providers: Vec<usize> = (0..self.parts.len())
            .filter(|&i| {
                self.parts[i].name != importer.name
                    && self.parts[i]
                        .export_for(&import.name, import.class)
                        .is_some()
            })
            .collect();
        match providers.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            many => Err(LinkError::Ambiguous {
                importer: importer.name.clone(),
                import: import.name.clone(),
                providers: many
                    .iter()
                    .map(|&i| self.parts[i].name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}
