//! `[compose.wire]`: `"import" = "provider"` lines for every importer, and
//! `[compose.wire.<importer>]` tables of the same for one importer.

use std::collections::BTreeMap;
use std::ops::Range;

use compose_linker::Wiring;
use toml::Spanned;

use super::raw::RawWire;
use super::{ComponentDecl, Locator};
use crate::ProjectError;

type Spans = BTreeMap<(Option<String>, String), Range<usize>>;

pub(super) fn parse(
    at: &Locator<'_>,
    raw: &BTreeMap<Spanned<String>, Spanned<RawWire>>,
    components: &[ComponentDecl],
) -> Result<(Wiring, Spans), ProjectError> {
    let known = || {
        components
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let component = |name: &Spanned<String>, role: &str| -> Result<String, ProjectError> {
        if components.iter().any(|c| c.name == *name.get_ref()) {
            Ok(name.get_ref().clone())
        } else {
            Err(at.error(
                name.span(),
                format!(
                    "[compose.wire]: `{}` is not a component of this project",
                    name.get_ref()
                ),
                role,
                Some(format!("choose one of: {}", known())),
            ))
        }
    };
    let mut wiring = Wiring::default();
    let mut spans = Spans::new();
    for (key, value) in raw {
        match value.get_ref() {
            RawWire::Provider(provider) => {
                let provider = Spanned::new(value.span(), provider.clone());
                let provider = component(&provider, "the provider")?;
                spans.insert((None, key.get_ref().clone()), value.span());
                wiring.all.insert(key.get_ref().clone(), provider);
            }
            RawWire::Importer(table) => {
                let importer =
                    component(key, "an importer's table must be named after a component")?;
                // Inside an untagged value toml keeps no spans: point at the table.
                for (import, provider) in table {
                    let provider = component(
                        &Spanned::new(value.span(), provider.clone()),
                        "the provider",
                    )?;
                    spans.insert((Some(importer.clone()), import.clone()), value.span());
                    wiring
                        .per_importer
                        .entry(importer.clone())
                        .or_default()
                        .insert(import.clone(), provider);
                }
            }
        }
    }
    Ok((wiring, spans))
}
