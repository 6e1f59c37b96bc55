//! Lining up the members (fields, cases, flags) of two definitions by name: what each side
//! alone has, what was renamed in place, what moved.

use std::collections::HashSet;

/// How the members (fields, cases, flags) of two definitions line up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Member {
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

pub(super) fn names<'a>(items: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    items.map(String::as_str).collect()
}

pub(super) fn members(left: Vec<&str>, right: Vec<&str>) -> Vec<Member> {
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
