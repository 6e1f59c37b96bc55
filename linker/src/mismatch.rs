//! Why a link does not type-check, in words: the importer's view of an interface (or
//! function) against the exporter's, compared through named types by `compose-wit`.

use compose_wit::compare::{self, Sides};
use compose_wit::wit_parser::{Resolve, WorldId, WorldItem};

use crate::Part;

/// Each difference between what `importer` imports as `name` and what `exporter` exports as
/// `name`; `None` when the worlds cannot be read or nothing is found to say.
pub(crate) fn type_differences(
    importer: &Part,
    exporter: &Part,
    name: &str,
) -> Option<Vec<String>> {
    let (ir, iw) = compose_wit::decode::component_world(importer.bytes(), &importer.name).ok()?;
    let (er, ew) = compose_wit::decode::component_world(exporter.bytes(), &exporter.name).ok()?;
    let left_name = format!("`{}` (the importer)", importer.name);
    let right_name = format!("`{}` (the exporter)", exporter.name);
    let sides = Sides {
        left: &ir,
        right: &er,
        left_name: &left_name,
        right_name: &right_name,
    };
    let imported = item(&ir, iw, name, true)?;
    let exported = item(&er, ew, name, false)?;
    let out = match (imported, exported) {
        (WorldItem::Interface { id: i, .. }, WorldItem::Interface { id: e, .. }) => {
            let diff = compare::interfaces(sides, i, e);
            let mut out: Vec<String> = diff
                .only_left
                .iter()
                .map(|f| {
                    format!("{left_name} calls function `{f}`, {right_name} does not export it")
                })
                .collect();
            for c in diff.changed {
                out.push(format!(
                    "`{}`: {left_name} expects `{}`, {right_name} has `{}`",
                    c.function, c.left, c.right
                ));
                out.extend(c.differences.into_iter().map(|d| format!("  {d}")));
            }
            out.extend(diff.types);
            out
        }
        (WorldItem::Function(i), WorldItem::Function(e)) => compare::functions(sides, &i, &e),
        _ => return None,
    };
    (!out.is_empty()).then_some(out)
}

fn item(resolve: &Resolve, world: WorldId, name: &str, import: bool) -> Option<WorldItem> {
    let w = &resolve.worlds[world];
    let items = if import { &w.imports } else { &w.exports };
    items
        .iter()
        .find(|(k, _)| resolve.name_world_key(k) == name)
        .map(|(_, v)| v.clone())
}
