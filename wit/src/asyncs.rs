//! Whether a world uses the component model's async: `async func`, `stream<T>` or
//! `future<T>` anywhere in what it imports or exports. A toolchain that cannot build such a
//! component says which item made it need async.

use wit_parser::{Function, Resolve, Type, TypeDefKind, WorldId, WorldItem};

/// The first item of `world` that needs the async ABI, in words (`function
/// \`demo:flow/transform#upper\` is async`), or `None`.
pub fn first_async(resolve: &Resolve, world: WorldId) -> Option<String> {
    let w = &resolve.worlds[world];
    for (key, item) in w.imports.iter().chain(&w.exports) {
        let name = resolve.name_world_key(key);
        let functions: Vec<(String, &Function)> = match item {
            WorldItem::Function(f) => vec![(name.clone(), f)],
            WorldItem::Interface { id, .. } => resolve.interfaces[*id]
                .functions
                .values()
                .map(|f| (format!("{name}#{}", f.name), f))
                .collect(),
            WorldItem::Type { .. } => Vec::new(),
        };
        for (full, f) in functions {
            if f.kind.is_async() {
                return Some(format!("function `{full}` is async"));
            }
            let types = f.params.iter().map(|p| &p.ty).chain(&f.result);
            for ty in types {
                if let Some(kind) = streams(resolve, ty, 0) {
                    return Some(format!("function `{full}` passes a {kind}"));
                }
            }
        }
    }
    None
}

/// `stream` or `future` when `ty` holds one.
fn streams(resolve: &Resolve, ty: &Type, depth: usize) -> Option<&'static str> {
    let Type::Id(id) = ty else { return None };
    // Types nest a few levels; the bound guards hostile input.
    if depth > 100 {
        return None;
    }
    let inner = |t: &Type| streams(resolve, t, depth + 1);
    match &resolve.types[*id].kind {
        TypeDefKind::Stream(_) => Some("stream"),
        TypeDefKind::Future(_) => Some("future"),
        TypeDefKind::Type(t) | TypeDefKind::List(t) | TypeDefKind::Option(t) => inner(t),
        TypeDefKind::FixedLengthList(t, _) => inner(t),
        TypeDefKind::Result(r) => {
            r.ok.as_ref()
                .and_then(inner)
                .or(r.err.as_ref().and_then(inner))
        }
        TypeDefKind::Tuple(t) => t.types.iter().find_map(inner),
        TypeDefKind::Record(r) => r.fields.iter().find_map(|f| inner(&f.ty)),
        TypeDefKind::Variant(v) => v.cases.iter().find_map(|c| c.ty.as_ref().and_then(inner)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_functions_and_streams_are_found_anywhere_in_a_world() {
        let mut r = Resolve::default();
        let p = r
            .push_str(
                "t.wit",
                "package d:x;\ninterface t { record r { s: option<stream<u8>> } f: func(x: r); g: async func(); }\nworld w { export t; }\nworld plain { export h: func(); }\n",
            )
            .unwrap();
        let w = r.select_world(&[p], Some("w")).unwrap();
        assert_eq!(
            first_async(&r, w).as_deref(),
            Some("function `d:x/t#f` passes a stream")
        );
        let plain = r.select_world(&[p], Some("plain")).unwrap();
        assert_eq!(first_async(&r, plain), None);
    }
}
