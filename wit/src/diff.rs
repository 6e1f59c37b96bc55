//! What changed between two versions of a WIT package, and who each change breaks: the
//! components that import its interfaces (callers) and those that export them (implementers).
//! A breaking change needs a new major version (a new minor one before 1.0).

use std::collections::BTreeMap;
use std::fmt;

use wit_parser::{InterfaceId, PackageId, Resolve, Type, TypeDefKind, TypeId, WorldItem, WorldKey};

use crate::members::{line_up, partner, Member, Members};
use crate::render::{definition, signature, type_name};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Where: `interface calc / func add`, `world app / export demo:x/y`.
    pub item: String,
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// For a changed item: before → after.
    pub detail: Option<String>,
    /// For components that import (call) it.
    pub importers: Compat,
    /// For components that export (implement) it.
    pub exporters: Compat,
}

impl Change {
    /// Whether it breaks either side.
    pub fn is_breaking(&self) -> bool {
        self.importers == Compat::Breaking || self.exporters == Compat::Breaking
    }
}

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// Whether a change keeps one side working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compat {
    Compatible,
    Breaking,
}

/// The changes between two versions of a package.
#[derive(Debug, Clone)]
pub struct Diff {
    /// `ns:name@version` of each side.
    pub old: String,
    pub new: String,
    pub old_version: Option<semver::Version>,
    pub new_version: Option<semver::Version>,
    pub changes: Vec<Change>,
}

impl Diff {
    /// Whether any change breaks either side.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(Change::is_breaking)
    }

    /// The smallest new version these changes allow: a change that breaks importers
    /// (callers) needs the next major version (the next minor before 1.0); one that only
    /// asks more of exporters (something to implement was added) needs the next minor (the
    /// next patch before 1.0); any other change needs a newer version. `None` when nothing
    /// changed.
    pub fn required_version(&self) -> Option<semver::Version> {
        let old = self.old_version.as_ref()?;
        let breaks_importers = self.changes.iter().any(|c| c.importers == Compat::Breaking);
        let breaks_exporters = self.changes.iter().any(|c| c.exporters == Compat::Breaking);
        let (major, minor, patch) = (old.major, old.minor, old.patch);
        Some(match (breaks_importers, breaks_exporters, major) {
            _ if self.changes.is_empty() => return None,
            (true, _, 0) => semver::Version::new(0, minor + 1, 0),
            (true, _, _) => semver::Version::new(major + 1, 0, 0),
            (false, true, 0) => semver::Version::new(0, minor, patch + 1),
            (false, true, _) => semver::Version::new(major, minor + 1, 0),
            (false, false, _) => semver::Version::new(major, minor, patch + 1),
        })
    }

    /// Why the new version does not fit the changes, when it does not: the check CI runs.
    pub fn version_problem(&self) -> Option<String> {
        if self.changes.is_empty() {
            return None;
        }
        let (Some(old), Some(new)) = (&self.old_version, &self.new_version) else {
            return self.is_breaking().then(|| {
                "breaking changes, and the package has no version to check them against".to_string()
            });
        };
        let needed = self.required_version()?;
        let why = if self.changes.iter().any(|c| c.importers == Compat::Breaking) {
            "changes that break importers need"
        } else if self.is_breaking() {
            "additions that exporters must implement need"
        } else {
            "changes need"
        };
        (*new < needed).then(|| {
            format!("{why} version {needed} or later; the version went from {old} to {new}")
        })
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        })
    }
}

impl fmt::Display for Compat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compat::Compatible => "compatible",
            Compat::Breaking => "breaking",
        })
    }
}

use Compat::{Breaking, Compatible};

/// Compares package `old_pkg` of `old` with `new_pkg` of `new`.
pub fn diff(old: &Resolve, old_pkg: PackageId, new: &Resolve, new_pkg: PackageId) -> Diff {
    let o = &old.packages[old_pkg];
    let n = &new.packages[new_pkg];
    let mut d = Differ {
        old,
        new,
        old_pkg,
        new_pkg,
        changes: Vec::new(),
    };
    for (name, before, after) in by_name(&o.interfaces, &n.interfaces) {
        let item = format!("interface {name}");
        match (before, after) {
            (Some(old_id), Some(new_id)) => d.interface(&item, *old_id, *new_id),
            (Some(_), None) => d.push(&item, ChangeKind::Removed, None, Breaking, Compatible),
            _ => d.push(&item, ChangeKind::Added, None, Compatible, Compatible),
        }
    }
    for (name, before, after) in by_name(&o.worlds, &n.worlds) {
        let item = format!("world {name}");
        match (before, after) {
            (Some(old_id), Some(new_id)) => d.world(&item, *old_id, *new_id),
            (Some(_), None) => d.push(&item, ChangeKind::Removed, None, Breaking, Breaking),
            _ => d.push(&item, ChangeKind::Added, None, Compatible, Compatible),
        }
    }
    Diff {
        old: o.name.to_string(),
        new: n.name.to_string(),
        old_version: o.name.version.clone(),
        new_version: n.name.version.clone(),
        changes: d.changes,
    }
}

struct Differ<'a> {
    old: &'a Resolve,
    new: &'a Resolve,
    old_pkg: PackageId,
    new_pkg: PackageId,
    changes: Vec<Change>,
}

impl Differ<'_> {
    fn push(
        &mut self,
        item: &str,
        kind: ChangeKind,
        detail: Option<String>,
        importers: Compat,
        exporters: Compat,
    ) {
        self.changes.push(Change {
            item: item.to_string(),
            kind,
            detail,
            importers,
            exporters,
        });
    }

    fn interface(&mut self, at: &str, old_id: InterfaceId, new_id: InterfaceId) {
        let (o, n) = (&self.old.interfaces[old_id], &self.new.interfaces[new_id]);
        for (name, before, after) in by_name(&o.types, &n.types) {
            let item = format!("{at} / type {name}");
            match (before, after) {
                (Some(old_ty), Some(new_ty)) => self.type_def(&item, *old_ty, *new_ty),
                (Some(_), None) => {
                    self.push(&item, ChangeKind::Removed, None, Breaking, Compatible)
                }
                _ => self.push(&item, ChangeKind::Added, None, Compatible, Compatible),
            }
        }
        for (name, before, after) in by_name(&o.functions, &n.functions) {
            let item = format!("{at} / func {name}");
            match (before, after) {
                (Some(old_f), Some(new_f)) => {
                    let (before, after) = (signature(self.old, old_f), signature(self.new, new_f));
                    // Sync or async is part of a function's type: a component built against
                    // one links to no component built against the other.
                    let only_async = before.trim_start_matches("async ")
                        == after.trim_start_matches("async ")
                        && old_f.kind.is_async() != new_f.kind.is_async();
                    if only_async {
                        let (was, is) = match new_f.kind.is_async() {
                            true => ("sync", "async"),
                            false => ("async", "sync"),
                        };
                        self.push(
                            &item,
                            ChangeKind::Changed,
                            Some(format!("{was} → {is} ({before} → {after}): the function's type, so every caller and implementer is rebuilt")),
                            Breaking,
                            Breaking,
                        );
                    } else if before != after {
                        self.push(
                            &item,
                            ChangeKind::Changed,
                            Some(format!("{before} → {after}")),
                            Breaking,
                            Breaking,
                        );
                    }
                }
                // Callers may call it; implementers that still export it are fine.
                (Some(_), None) => {
                    self.push(&item, ChangeKind::Removed, None, Breaking, Compatible)
                }
                // Callers built before never call it; implementers must now provide it.
                _ => self.push(&item, ChangeKind::Added, None, Compatible, Breaking),
            }
        }
    }

    /// A named type: records, variants, enums and flags member by member (lined up by the
    /// walker `compare` uses too), the rest whole.
    fn type_def(&mut self, at: &str, old_ty: TypeId, new_ty: TypeId) {
        let (o, n) = (&self.old.types[old_ty].kind, &self.new.types[new_ty].kind);
        let (Some(before), Some(after)) = (Members::of(o), Members::of(n)) else {
            return self.whole(at, o, n);
        };
        if o.as_str() != n.as_str() {
            return self.whole(at, o, n);
        }
        let what = before.what;
        let text = |r: &Resolve, ty: Option<&Type>| ty.map(|t| type_name(r, t)).unwrap_or_default();
        let lineup = line_up(&before, &after);
        // Removed and changed members in the old order; values cross in both directions, so
        // each breaks whoever receives the value.
        for (i, (name, ty)) in before.items.iter().enumerate() {
            let item = format!("{at} / {what} {name}");
            match partner(&lineup, i) {
                None => self.push(&item, ChangeKind::Removed, None, Breaking, Breaking),
                Some(j) => {
                    let (was, is) = (text(self.old, *ty), text(self.new, after.items[j].1));
                    if was != is {
                        self.push(
                            &item,
                            ChangeKind::Changed,
                            Some(format!("{was} → {is}")),
                            Breaking,
                            Breaking,
                        );
                    }
                }
            }
        }
        // Added ones in the new order.
        for (j, (name, _)) in after.items.iter().enumerate() {
            if !lineup
                .iter()
                .any(|m| matches!(m, Member::Both(_, r) if *r == j))
            {
                self.push(
                    &format!("{at} / {what} {name}"),
                    ChangeKind::Added,
                    None,
                    Breaking,
                    Breaking,
                );
            }
        }
        // The order of the members both have is part of the type.
        if lineup.iter().any(|m| matches!(m, Member::Moved { .. })) {
            let kept = |m: &Members<'_>, left: bool| {
                let mut kept: Vec<(usize, &str)> = lineup
                    .iter()
                    .filter_map(|x| match x {
                        Member::Both(l, r) => Some(if left { *l } else { *r }),
                        _ => None,
                    })
                    .map(|i| (i, m.items[i].0))
                    .collect();
                kept.sort();
                kept.into_iter()
                    .map(|(_, n)| n)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.push(
                &format!("{at} / {what} order"),
                ChangeKind::Changed,
                Some(format!("{} → {}", kept(&before, true), kept(&after, false))),
                Breaking,
                Breaking,
            );
        }
    }

    /// A type compared whole, by its definition in words.
    fn whole(&mut self, at: &str, o: &TypeDefKind, n: &TypeDefKind) {
        let (before, after) = (definition(self.old, o), definition(self.new, n));
        if before != after {
            self.push(
                at,
                ChangeKind::Changed,
                Some(format!("{before} → {after}")),
                Breaking,
                Breaking,
            );
        }
    }

    fn world(&mut self, at: &str, old_id: wit_parser::WorldId, new_id: wit_parser::WorldId) {
        let (o, n) = (&self.old.worlds[old_id], &self.new.worlds[new_id]);
        // Keyed without versions: the package's own interfaces move with it, and a
        // dependency's new version is a change of the item, not a new item.
        let items = |r: &Resolve,
                     own: PackageId,
                     map: &wit_parser::IndexMap<WorldKey, WorldItem>|
         -> BTreeMap<String, String> {
            map.iter()
                .filter(|(_, item)| !matches!(item, WorldItem::Type { .. }))
                .map(|(k, item)| {
                    let name = r.name_world_key(k);
                    let key = match name.split_once('@') {
                        Some((unversioned, _)) => unversioned.to_string(),
                        None => name,
                    };
                    (key, world_item(r, own, item))
                })
                .collect()
        };
        let (op, np) = (self.old_pkg, self.new_pkg);
        for (direction, before, after) in [
            (
                "import",
                items(self.old, op, &o.imports),
                items(self.new, np, &n.imports),
            ),
            (
                "export",
                items(self.old, op, &o.exports),
                items(self.new, np, &n.exports),
            ),
        ] {
            // Importers of a world are the hosts that run its components; exporters, the
            // components that target it.
            let (add, remove) = if direction == "import" {
                ((Breaking, Compatible), (Compatible, Breaking))
            } else {
                ((Compatible, Breaking), (Breaking, Compatible))
            };
            for (name, def) in &before {
                let item = format!("{at} / {direction} {name}");
                match after.get(name) {
                    None => self.push(&item, ChangeKind::Removed, None, remove.0, remove.1),
                    Some(d) if d != def => self.push(
                        &item,
                        ChangeKind::Changed,
                        Some(format!("{def} → {d}")),
                        Breaking,
                        Breaking,
                    ),
                    Some(_) => {}
                }
            }
            for name in after.keys().filter(|k| !before.contains_key(*k)) {
                self.push(
                    &format!("{at} / {direction} {name}"),
                    ChangeKind::Added,
                    None,
                    add.0,
                    add.1,
                );
            }
        }
    }
}

/// The names of two maps, the old order first and then what only the new one has, each with
/// its value on either side.
fn by_name<'m, V>(
    old: &'m wit_parser::IndexMap<String, V>,
    new: &'m wit_parser::IndexMap<String, V>,
) -> Vec<(&'m str, Option<&'m V>, Option<&'m V>)> {
    let mut out: Vec<_> = old
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v), new.get(k)))
        .collect();
    out.extend(
        new.iter()
            .filter(|(k, _)| !old.contains_key(*k))
            .map(|(k, v)| (k.as_str(), None, Some(v))),
    );
    out
}

/// A world item in words: a function's signature; for an interface of another package its
/// versioned name (the package's own are compared as interfaces).
fn world_item(r: &Resolve, own: PackageId, item: &WorldItem) -> String {
    match item {
        WorldItem::Function(f) => signature(r, f),
        WorldItem::Interface { id, .. } => match r.interfaces[*id].package {
            Some(p) if p == own => "interface".to_string(),
            _ => r
                .id_of(*id)
                .unwrap_or_else(|| "interface { … }".to_string()),
        },
        WorldItem::Type { .. } => "type".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(text: &str) -> (Resolve, PackageId) {
        let mut r = Resolve::default();
        let id = r.push_str("p.wit", text).unwrap();
        (r, id)
    }

    fn diff_of(old: &str, new: &str) -> Diff {
        let (o, op) = package(old);
        let (n, np) = package(new);
        diff(&o, op, &n, np)
    }

    #[test]
    fn the_needed_version_follows_whom_a_change_breaks() {
        let base = "interface i { f: func(a: u32) -> u32; }";
        let added = "interface i { f: func(a: u32) -> u32; g: func(); }";
        let removed = "interface i { }";
        let v = |ver: &str, body: &str| format!("package d:p@{ver};\n{body}\n");
        // Something to implement: a patch before 1.0, a minor after.
        let d = diff_of(&v("0.3.1", base), &v("0.3.2", added));
        assert_eq!(d.required_version(), Some(semver::Version::new(0, 3, 2)));
        assert!(d.version_problem().is_none());
        let d = diff_of(&v("1.3.1", base), &v("1.3.2", added));
        assert_eq!(d.required_version(), Some(semver::Version::new(1, 4, 0)));
        assert!(d.version_problem().unwrap().contains("1.4.0 or later"));
        // Something callers used is gone: a minor before 1.0, a major after.
        let d = diff_of(&v("0.3.1", base), &v("0.3.9", removed));
        assert_eq!(d.required_version(), Some(semver::Version::new(0, 4, 0)));
        let d = diff_of(&v("1.3.1", base), &v("2.0.0", removed));
        assert!(d.version_problem().is_none());
        // Nothing changed: nothing needed.
        let d = diff_of(&v("1.0.0", base), &v("1.0.0", base));
        assert!(d.changes.is_empty() && d.required_version().is_none());
    }
}
