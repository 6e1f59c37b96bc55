//! The one walker of WIT members: the fields of a record, the cases of a variant or an enum,
//! the flags of a flags, taken from either definition alike and lined up by name (what each
//! side alone has, what was renamed in place, what moved). Two policies stand on it: the
//! contract check (`compare`) says each difference in words, the semver diff (`diff`) says
//! whom each change breaks.

use std::collections::HashSet;

use wit_parser::{Type, TypeDefKind};

/// The members of a definition that has them.
pub(crate) struct Members<'a> {
    /// What one is called: `field`, `case` or `flag`.
    pub what: &'static str,
    /// Each member's name, and what it carries (a field's type, a case's payload).
    pub items: Vec<(&'a str, Option<&'a Type>)>,
}

impl<'a> Members<'a> {
    /// The members of a record, variant, enum or flags; `None` for any other definition.
    pub(crate) fn of(kind: &'a TypeDefKind) -> Option<Self> {
        let (what, items) = match kind {
            TypeDefKind::Record(r) => (
                "field",
                r.fields
                    .iter()
                    .map(|f| (f.name.as_str(), Some(&f.ty)))
                    .collect(),
            ),
            TypeDefKind::Variant(v) => (
                "case",
                v.cases
                    .iter()
                    .map(|c| (c.name.as_str(), c.ty.as_ref()))
                    .collect(),
            ),
            TypeDefKind::Enum(e) => (
                "case",
                e.cases.iter().map(|c| (c.name.as_str(), None)).collect(),
            ),
            TypeDefKind::Flags(f) => (
                "flag",
                f.flags.iter().map(|f| (f.name.as_str(), None)).collect(),
            ),
            _ => return None,
        };
        Some(Self { what, items })
    }

    fn names(&self) -> Vec<&'a str> {
        self.items.iter().map(|(n, _)| *n).collect()
    }
}

/// Lines up the members of two definitions of the same kind.
pub(crate) fn line_up(left: &Members<'_>, right: &Members<'_>) -> Vec<Member> {
    members(left.names(), right.names())
}

/// The right-hand partner of left member `i`, when both sides have it.
pub(crate) fn partner(lineup: &[Member], i: usize) -> Option<usize> {
    lineup.iter().find_map(|m| match m {
        Member::Both(l, r) if *l == i => Some(*r),
        _ => None,
    })
}

/// How the members (fields, cases, flags) of two definitions line up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Member {
    /// The same name on both sides, at these positions (and in the same place).
    Both(usize, usize),
    /// Only the left side has it.
    OnlyLeft(usize),
    /// Only the right side has it.
    OnlyRight(usize),
    /// The same position holds a different name on each side, which neither side has
    /// elsewhere: most likely a rename.
    Renamed(usize, usize),
    /// Both sides have it, at different positions.
    Moved {
        name: String,
        left: usize,
        right: usize,
    },
}

fn members(left: Vec<&str>, right: Vec<&str>) -> Vec<Member> {
    let mut out = Vec::new();
    let only_left: Vec<usize> = (0..left.len())
        .filter(|&i| !right.contains(&left[i]))
        .collect();
    let only_right: Vec<usize> = (0..right.len())
        .filter(|&j| !left.contains(&right[j]))
        .collect();
    let mut renamed = HashSet::new();
    for &i in &only_left {
        if only_right.contains(&i) {
            out.push(Member::Renamed(i, i));
            renamed.insert(i);
        }
    }
    out.extend(
        only_left
            .iter()
            .filter(|i| !renamed.contains(*i))
            .map(|&i| Member::OnlyLeft(i)),
    );
    out.extend(
        only_right
            .iter()
            .filter(|j| !renamed.contains(*j))
            .map(|&j| Member::OnlyRight(j)),
    );
    // Members on both sides, compared; the first one out of place is reported once.
    let common_left: Vec<&str> = left.iter().copied().filter(|n| right.contains(n)).collect();
    let common_right: Vec<&str> = right.iter().copied().filter(|n| left.contains(n)).collect();
    let mut moved = false;
    for (i, name) in left.iter().enumerate() {
        let Some(j) = right.iter().position(|n| n == name) else {
            continue;
        };
        let in_place = common_left.iter().position(|n| n == name)
            == common_right.iter().position(|n| n == name);
        if !in_place && !moved {
            moved = true;
            out.push(Member::Moved {
                name: name.to_string(),
                left: i,
                right: j,
            });
        }
        out.push(Member::Both(i, j));
    }
    out
}
