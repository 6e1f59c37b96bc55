//! What a session links besides WASI: stubs with canned results, and traps for every other
//! import (a component under test is called alone).

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{ResourceType, Val};

use crate::store::State;
use crate::{Loaded, Runtime, Stub};

/// Defines every import of `loaded` that is not WASI and has no stub: a function that traps
/// when called, saying `why` it is not provided, and imported resources as opaque host
/// resources (a handle of one can only come from such a function). (Wasmtime's
/// `define_unknown_imports_as_traps` also shadows WASI imports of a newer 0.2.x than the
/// host's, which semver matching would otherwise satisfy.)
pub(crate) fn define_traps(
    runtime: &Runtime,
    linker: &mut wasmtime::component::Linker<State>,
    loaded: &Loaded,
    stubs: &[Stub],
    why: &'static str,
) -> wasmtime::Result<()> {
    let engine = runtime.engine();
    let stubbed = |interface: &str, function: &str| {
        stubs
            .iter()
            .any(|s| s.interface == interface && s.function == function)
    };
    for (name, item) in loaded.component.component_type().imports(engine) {
        if name.starts_with("wasi:") {
            continue;
        }
        match item.ty {
            ComponentItem::ComponentFunc(_) if !stubbed("", name) => {
                linker.root().func_new(name, trap(name.to_string(), why))?;
            }
            ComponentItem::Resource(_) => {
                linker
                    .root()
                    .resource(name, ResourceType::host::<Unprovided>(), |_, _| Ok(()))?;
            }
            ComponentItem::ComponentInstance(instance) => {
                let mut functions = Vec::new();
                let mut resources = Vec::new();
                for (f, it) in instance.exports(engine) {
                    match it.ty {
                        ComponentItem::ComponentFunc(_) if !stubbed(name, f) => {
                            functions.push(f.to_string())
                        }
                        ComponentItem::Resource(_) => resources.push(f.to_string()),
                        _ => {}
                    }
                }
                if functions.is_empty() && resources.is_empty() {
                    continue;
                }
                let mut li = linker.instance(name)?;
                for r in resources {
                    li.resource(&r, ResourceType::host::<Unprovided>(), |_, _| Ok(()))?;
                }
                for f in functions {
                    li.func_new(&f, trap(format!("{name}#{f}"), why))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The host side of an imported resource nothing here provides.
struct Unprovided;

/// A host function that fails with a message naming the import and why it is not provided.
fn trap(
    name: String,
    why: &'static str,
) -> impl Fn(
    wasmtime::StoreContextMut<'_, State>,
    ComponentFunc,
    &[Val],
    &mut [Val],
) -> wasmtime::Result<()>
       + Send
       + Sync
       + 'static {
    move |_, _, _, _| {
        Err(wasmtime::format_err!(
            "import `{name}` was called, but {why}"
        ))
    }
}

pub(super) fn define_stub(
    linker: &mut wasmtime::component::Linker<State>,
    stub: &Stub,
) -> wasmtime::Result<()> {
    let answer = stub.result.clone();
    let func = move |_store: wasmtime::StoreContextMut<'_, State>,
                     ty: ComponentFunc,
                     _params: &[Val],
                     results: &mut [Val]| {
        for (slot, result_ty) in results.iter_mut().zip(ty.results()) {
            *slot = Val::from_wave(&result_ty, &answer)?;
        }
        Ok(())
    };
    if stub.interface.is_empty() {
        linker.root().func_new(&stub.function, func)
    } else {
        linker
            .instance(&stub.interface)?
            .func_new(&stub.function, func)
    }
}
