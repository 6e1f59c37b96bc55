//! Planning: from the root, which part provides each import.
//!
//! An import goes to the part the wiring names, else to the one other part that exports it.
//! Where several could and nothing is wired, every choice is tried: when exactly one
//! assignment uses every component without a cycle (`app → middle → leaf`, where the middle
//! imports and exports what the leaf exports), it is taken and said as inferred; none, or
//! more than one, is the ambiguity the user settles in `[compose.wire]`.
//!
//! A type a world imports (`use iface.{thing};` at the level of the world) goes with its
//! interface: it is taken from whatever provides that interface to the importer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Link, LinkError, Part};
use crate::part::{Item, ItemClass};
use crate::Wiring;

/// How many plans the search for the one unambiguous assignment makes at most.
const MAX_ATTEMPTS: usize = 10_000;

/// A provider compose chose where the wiring had exactly one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inferred {
    pub importer: String,
    pub import: String,
    pub provider: String,
    /// The parts that export it, the chosen one among them.
    pub candidates: Vec<String>,
}

/// A plan: parts in instantiation order, their links, and the choices inferred.
pub(super) struct Planned {
    pub order: Vec<usize>,
    pub links: Vec<Link>,
    pub inferred: Vec<Inferred>,
}

/// A choice the wiring leaves open: (importer, import) and the parts that could provide it.
type Choice = ((usize, String), Vec<usize>);

/// The choices an attempt was told to make: (importer, import) → provider.
type Fixed = BTreeMap<(usize, String), usize>;

/// Plans the composition from `root`.
pub(super) fn plan(parts: &[Part], wiring: &Wiring, root: usize) -> Result<Planned, LinkError> {
    let mut search = Search {
        parts,
        wiring,
        root,
        attempts: 0,
        solutions: Vec::new(),
        first_choice: None,
        first_error: None,
    };
    search.explore(&mut BTreeMap::new());
    let ambiguous = |(key, candidates): &Choice| LinkError::Ambiguous {
        importer: parts[key.0].name.clone(),
        import: key.1.clone(),
        providers: candidates
            .iter()
            .map(|&i| parts[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    };
    match search.solutions.len() {
        1 => {
            let (fixed, attempt) = search.solutions.remove(0);
            let candidates = search.candidates(&fixed);
            let inferred = fixed
                .iter()
                .map(|((importer, import), provider)| Inferred {
                    importer: parts[*importer].name.clone(),
                    import: import.clone(),
                    provider: parts[*provider].name.clone(),
                    candidates: candidates[&(*importer, import.clone())]
                        .iter()
                        .map(|&i| parts[i].name.clone())
                        .collect(),
                })
                .collect();
            Ok(Planned {
                order: attempt.order,
                links: attempt.links,
                inferred,
            })
        }
        0 => Err(match (search.first_choice, search.first_error) {
            (Some(choice), _) => ambiguous(&choice),
            (None, Some(e)) => e,
            (None, None) => LinkError::Encode {
                message: "no plan was found".into(),
            },
        }),
        _ => {
            // Where the solutions part ways: the choice to make.
            let (a, b) = (&search.solutions[0].0, &search.solutions[1].0);
            let key = a
                .iter()
                .find(|(k, v)| b.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
                .or_else(|| search.first_choice.as_ref().map(|(k, _)| k.clone()))
                .expect("two solutions differ in a choice");
            let mut providers: Vec<usize> = search
                .solutions
                .iter()
                .filter_map(|(fixed, _)| fixed.get(&key).copied())
                .collect();
            providers.dedup();
            Err(ambiguous(&(key, providers)))
        }
    }
}

/// One attempt's result.
struct Attempt {
    order: Vec<usize>,
    links: Vec<Link>,
}

enum Outcome {
    Planned(Attempt),
    /// An import several parts export, not yet chosen.
    Choice(Choice),
    Failed(LinkError),
}

/// The search for the plans that settle every choice.
struct Search<'a> {
    parts: &'a [Part],
    wiring: &'a Wiring,
    root: usize,
    attempts: usize,
    /// Each plan that uses every part, with the choices it made (at most two are kept).
    solutions: Vec<(Fixed, Attempt)>,
    first_choice: Option<Choice>,
    first_error: Option<LinkError>,
}

impl Search<'_> {
    fn explore(&mut self, fixed: &mut Fixed) {
        if self.solutions.len() >= 2 || self.attempts >= MAX_ATTEMPTS {
            return;
        }
        self.attempts += 1;
        match self.attempt(fixed) {
            Outcome::Planned(attempt) => {
                // With no choice made, the plan is the one there is; a choice must leave no
                // part out to be the only answer.
                if fixed.is_empty() || attempt.order.len() == self.parts.len() {
                    self.solutions.push((fixed.clone(), attempt));
                }
            }
            Outcome::Choice((key, candidates)) => {
                if self.first_choice.is_none() {
                    self.first_choice = Some((key.clone(), candidates.clone()));
                }
                for candidate in candidates {
                    fixed.insert(key.clone(), candidate);
                    self.explore(fixed);
                    fixed.remove(&key);
                }
            }
            Outcome::Failed(e) => {
                self.first_error.get_or_insert(e);
            }
        }
    }

    /// The candidates of each choice in `fixed`.
    fn candidates(&self, fixed: &Fixed) -> BTreeMap<(usize, String), Vec<usize>> {
        fixed
            .keys()
            .map(|key| {
                let import = self.parts[key.0]
                    .imports
                    .iter()
                    .find(|i| i.name == key.1)
                    .expect("a choice is of an import");
                (key.clone(), self.exporters(key.0, import))
            })
            .collect()
    }

    fn attempt(&self, fixed: &Fixed) -> Outcome {
        let mut planner = Planner {
            search: self,
            fixed,
            order: Vec::new(),
            links: Vec::new(),
            stack: Vec::new(),
        };
        match planner.visit(self.root) {
            Ok(()) => Outcome::Planned(Attempt {
                order: planner.order,
                links: planner.links,
            }),
            Err(Stop::Choice(choice)) => Outcome::Choice(choice),
            Err(Stop::Failed(e)) => Outcome::Failed(e),
        }
    }

    /// The parts other than `importer` that export `import`.
    fn exporters(&self, importer: usize, import: &Item) -> Vec<usize> {
        (0..self.parts.len())
            .filter(|&i| {
                i != importer
                    && self.parts[i]
                        .export_for(&import.name, import.class)
                        .is_some()
            })
            .collect()
    }
}

enum Stop {
    Choice(Choice),
    Failed(LinkError),
}

struct Planner<'s, 'a> {
    search: &'s Search<'a>,
    fixed: &'s Fixed,
    order: Vec<usize>,
    links: Vec<Link>,
    stack: Vec<usize>,
}

impl Planner<'_, '_> {
    fn visit(&mut self, index: usize) -> Result<(), Stop> {
        let parts = self.search.parts;
        if self.order.contains(&index) {
            return Ok(());
        }
        if let Some(pos) = self.stack.iter().position(|&n| n == index) {
            let mut cycle: Vec<&str> = self.stack[pos..]
                .iter()
                .map(|&i| parts[i].name.as_str())
                .collect();
            cycle.push(&parts[index].name);
            return Err(Stop::Failed(LinkError::Cycle {
                cycle: cycle.join(" -> "),
            }));
        }
        self.stack.push(index);
        let part = &parts[index];
        for import in part.imports.iter().filter(|i| i.class != ItemClass::Type) {
            if let Some(exporter) = self.provider(index, import)? {
                self.visit(exporter)?;
                self.links.push(Link {
                    importer: part.name.clone(),
                    import: import.name.clone(),
                    exporter: parts[exporter].name.clone(),
                    class: import.class,
                    export: None,
                    interface: None,
                });
            }
        }
        // Types go with their interfaces.
        for import in part.imports.iter().filter(|i| i.class == ItemClass::Type) {
            let Some(of) = &import.of else { continue };
            let wired = self.search.wiring.provider(&part.name, &import.name);
            let exporter = match wired {
                Some(name) => Some(name.to_string()),
                None => self
                    .links
                    .iter()
                    .find(|l| l.importer == part.name && l.import == of.interface)
                    .map(|l| l.exporter.clone()),
            };
            if let Some(exporter) = exporter {
                self.links
                    .push(type_link(&part.name, import, &exporter, &of.interface));
            }
        }
        self.stack.pop();
        self.order.push(index);
        Ok(())
    }

    /// The part that provides `import` to part `importer`, if any.
    fn provider(&self, importer: usize, import: &Item) -> Result<Option<usize>, Stop> {
        let parts = self.search.parts;
        let name = &parts[importer].name;
        if let Some(wired) = self.search.wiring.provider(name, &import.name) {
            let index = parts
                .iter()
                .position(|p| p.name == wired)
                .expect("wiring is checked before planning");
            return Ok(Some(index));
        }
        // WASI is the host's unless wired to a component.
        if compose_wit::names::is_wasi(&import.name) || import.class == ItemClass::Other {
            return Ok(None);
        }
        let key = (importer, import.name.clone());
        if let Some(&chosen) = self.fixed.get(&key) {
            return Ok(Some(chosen));
        }
        match self.search.exporters(importer, import).as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            many => Err(Stop::Choice((key, many.to_vec()))),
        }
    }
}

/// The link of type `import` of `importer`, taken from `interface` as `exporter` provides it.
pub(super) fn type_link(importer: &str, import: &Item, exporter: &str, interface: &str) -> Link {
    let of = import.of.as_ref();
    Link {
        importer: importer.to_string(),
        import: import.name.clone(),
        exporter: exporter.to_string(),
        class: ItemClass::Type,
        export: of.map(|o| o.name.clone()).filter(|n| *n != import.name),
        interface: Some(interface.to_string()),
    }
}
