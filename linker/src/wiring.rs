//! `[compose] wire`: which component provides an import, where automatic matching (the one
//! component that exports it) is ambiguous or not what is wanted.

use std::collections::BTreeMap;

/// Explicit wiring. An importer's own entry wins over the general one; the general one never
/// applies to the component it names (a middle component that imports and exports the same
/// interface is not wired to itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wiring {
    /// Import name → the component that provides it to every importer.
    pub all: BTreeMap<String, String>,
    /// Importer → (import name → the component that provides it to this importer).
    pub per_importer: BTreeMap<String, BTreeMap<String, String>>,
}

impl Wiring {
    /// The component wired to provide `import` to `importer`, if any.
    pub fn provider(&self, importer: &str, import: &str) -> Option<&str> {
        if let Some(own) = self.per_importer.get(importer).and_then(|m| m.get(import)) {
            return Some(own);
        }
        self.all
            .get(import)
            .map(String::as_str)
            .filter(|provider| *provider != importer)
    }

    /// Every entry: (importer, or `None` for all; import; provider).
    pub fn entries(&self) -> impl Iterator<Item = (Option<&str>, &str, &str)> {
        self.all
            .iter()
            .map(|(i, p)| (None, i.as_str(), p.as_str()))
            .chain(self.per_importer.iter().flat_map(|(importer, m)| {
                m.iter()
                    .map(move |(i, p)| (Some(importer.as_str()), i.as_str(), p.as_str()))
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_entry_wins_and_the_general_one_skips_its_provider() {
        let w = Wiring {
            all: BTreeMap::from([("x:y/z".into(), "middle".into())]),
            per_importer: BTreeMap::from([(
                "middle".into(),
                BTreeMap::from([("x:y/z".into(), "leaf".into())]),
            )]),
        };
        assert_eq!(w.provider("app", "x:y/z"), Some("middle"));
        assert_eq!(w.provider("middle", "x:y/z"), Some("leaf"));
        let general = Wiring {
            all: w.all.clone(),
            ..Default::default()
        };
        assert_eq!(general.provider("middle", "x:y/z"), None);
        assert_eq!(w.entries().count(), 2);
    }
}
