//! What a session links besides WASI: stubs with canned results, and traps for every other
//! import (a component under test is called alone).

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::Val;

use crate::store::State;
use crate::{Loaded, Runtime, Stub};

/// Defines every imported function that is neither WASI nor stubbed as one that traps when
/// called. (Wasmtime's `define_unknown_imports_as_traps` also shadows WASI imports of a newer
/// 0.2.x than the host's, which semver matching would otherwise satisfy.)
pub(super) fn define_traps(
    runtime: &Runtime,
    linker: &mut wasmtime::component::Linker<State>,
    loaded: &Loaded,
    stubs: &[Stub],
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
                linker.root().func_new(name, trap(name.to_string()))?;
            }
            ComponentItem::ComponentInstance(instance) => {
                let functions: Vec<String> = instance
                    .exports(engine)
                    .filter(|(f, it)| {
                        matches!(it.ty, ComponentItem::ComponentFunc(_)) && !stubbed(name, f)
                    })
                    .map(|(f, _)| f.to_string())
                    .collect();
                if functions.is_empty() {
                    continue;
                }
                let mut li = linker.instance(name)?;
                for f in functions {
                    li.func_new(&f, trap(format!("{name}#{f}")))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A host function that fails with a message naming the import that has no stub.
fn trap(
    name: String,
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
            "import `{name}` was called, but the test gives it no stub"
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
