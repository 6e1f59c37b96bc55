//! `--invoke 'iface.func(args)'`: calls one exported function of a component, its arguments
//! and results written in WAVE (the WebAssembly Value Encoding).
//!
//! A function is named `func` (a function exported by the component itself, or the only one
//! of that name in its exported interfaces), `iface.func` where `iface` is an exported
//! interface's full name (`demo:greet/greeter@0.1.0`), its name without version, or its short
//! name (`greeter`); `iface#func` works as well.

use wasmtime::component::types::ComponentItem;
use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
use wasmtime::component::{ComponentExportIndex, Val};

use crate::limits::Limits;
use crate::run::{classify, instantiate_error, Watchdog};
use crate::{Grants, Loaded, RunError, Runtime};

/// The outcome of an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    /// The full name of the function that was called (`iface#func` or `func`).
    pub function: String,
    /// Each result, in WAVE.
    pub results: Vec<String>,
}

impl Runtime {
    /// Calls the function named in `call` (`name(args...)`) with exactly `grants`, under
    /// `limits`, and returns its results in WAVE.
    pub fn invoke(
        &self,
        loaded: &Loaded,
        call: &str,
        grants: &Grants,
        limits: &Limits,
    ) -> Result<Invoked, RunError> {
        let what = loaded.what.as_str();
        let err = |message: String, help: String| RunError::Invoke {
            call: call.to_string(),
            message,
            help,
        };
        let open = call.find('(').ok_or_else(|| {
            err(
                "expected a call such as `greeter.greet(\"Ada\")`".into(),
                "write the function name, then its arguments in WAVE between parentheses".into(),
            )
        })?;
        let (name, args) = (call[..open].trim(), &call[open..]);
        let (index, function) = self
            .find_function(loaded, name)
            .map_err(|(message, help)| err(message, help))?;

        let linker = self.linker()?;
        let mut store = self.store(&loaded.what, grants, limits)?;
        let _watchdog = Watchdog::start(self.engine(), limits.timeout);
        let instance = linker
            .instantiate(&mut store, &loaded.component)
            .map_err(|e| match e.downcast_ref::<wasmtime::Trap>() {
                Some(_) => classify(what, e, &store, limits),
                None => instantiate_error(what, e),
            })?;
        let func = instance
            .get_func(&mut store, index)
            .ok_or_else(|| err(format!("`{function}` is not a function"), String::new()))?;
        let ty = func.ty(&store);
        let param_types: Vec<_> = ty.params().map(|(_, t)| t).collect();
        let source = format!("f{args}");
        let parsed = UntypedFuncCall::parse(&source).map_err(|e| {
            err(
                format!("the arguments are not valid WAVE: {e}"),
                signature_help(&function, &ty),
            )
        })?;
        let params: Vec<Val> = parsed.to_wasm_params(param_types.iter()).map_err(|e| {
            err(
                format!("the arguments do not fit the function: {e}"),
                signature_help(&function, &ty),
            )
        })?;
        let mut results = vec![Val::Bool(false); ty.results().len()];
        func.call(&mut store, &params, &mut results)
            .map_err(|e| classify(what, e, &store, limits))?;
        let results = results
            .iter()
            .map(|v| {
                v.to_wave().map_err(|e| {
                    err(
                        format!("a result cannot be shown in WAVE: {e:#}"),
                        String::new(),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Invoked { function, results })
    }

    /// Finds the export index of the function `name` names, and its full name. On failure,
    /// (message, help listing what there is).
    fn find_function(
        &self,
        loaded: &Loaded,
        name: &str,
    ) -> Result<(ComponentExportIndex, String), (String, String)> {
        let engine = self.engine();
        let component_type = loaded.component.component_type();
        // (interface or "", function) for every exported function, top level and one deep.
        let mut functions: Vec<(String, String)> = Vec::new();
        for (export, item) in component_type.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => {
                    functions.push((String::new(), export.to_string()))
                }
                ComponentItem::ComponentInstance(instance) => {
                    for (f, item) in instance.exports(engine) {
                        if matches!(item.ty, ComponentItem::ComponentFunc(_)) {
                            functions.push((export.to_string(), f.to_string()));
                        }
                    }
                }
                _ => {}
            }
        }
        let (iface, func) = match name.rsplit_once('#').or_else(|| name.rsplit_once('.')) {
            Some((i, f)) => (Some(i), f),
            None => (None, name),
        };
        let matches: Vec<&(String, String)> = functions
            .iter()
            .filter(|(i, f)| f == func && iface.is_none_or(|want| interface_matches(i, want)))
            .collect();
        let listing = || {
            let all: Vec<String> = functions.iter().map(|(i, f)| full_name(i, f)).collect();
            if all.is_empty() {
                "the component exports no function".to_string()
            } else {
                format!("it exports: {}", all.join(", "))
            }
        };
        match matches.as_slice() {
            [(i, f)] => {
                let parent = if i.is_empty() {
                    None
                } else {
                    loaded.component.get_export_index(None, i)
                };
                let index = loaded
                    .component
                    .get_export_index(parent.as_ref(), f.as_str())
                    .ok_or_else(|| {
                        (
                            format!("`{}` cannot be looked up", full_name(i, f)),
                            listing(),
                        )
                    })?;
                Ok((index, full_name(i, f)))
            }
            [] => Err((
                format!("the component exports no function `{name}`"),
                listing(),
            )),
            many => Err((
                format!(
                    "`{name}` is ambiguous: {}",
                    many.iter()
                        .map(|(i, f)| full_name(i, f))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "name the interface too, e.g. `greeter.greet(...)`".into(),
            )),
        }
    }
}

/// Does the exported interface `export` (`ns:pkg/iface@1.0.0`) answer to `want`: its full
/// name, its name without version, or its short name?
fn interface_matches(export: &str, want: &str) -> bool {
    if export.is_empty() {
        return false;
    }
    let unversioned = export.split('@').next().unwrap_or(export);
    let short = unversioned.rsplit('/').next().unwrap_or(unversioned);
    export == want || unversioned == want || short == want
}

fn full_name(iface: &str, func: &str) -> String {
    if iface.is_empty() {
        func.to_string()
    } else {
        format!("{iface}#{func}")
    }
}

fn signature_help(function: &str, ty: &wasmtime::component::types::ComponentFunc) -> String {
    let params: Vec<String> = ty
        .params()
        .map(|(n, t)| format!("{n}: {}", type_name(&t)))
        .collect();
    format!("`{function}` takes ({})", params.join(", "))
}

fn type_name(ty: &wasmtime::component::types::Type) -> String {
    use wasmtime::component::types::Type as T;
    match ty {
        T::Bool => "bool".into(),
        T::S8 => "s8".into(),
        T::U8 => "u8".into(),
        T::S16 => "s16".into(),
        T::U16 => "u16".into(),
        T::S32 => "s32".into(),
        T::U32 => "u32".into(),
        T::S64 => "s64".into(),
        T::U64 => "u64".into(),
        T::Float32 => "f32".into(),
        T::Float64 => "f64".into(),
        T::Char => "char".into(),
        T::String => "string".into(),
        T::List(l) => format!("list<{}>", type_name(&l.ty())),
        T::Record(r) => format!(
            "record {{ {} }}",
            r.fields()
                .map(|f| format!("{}: {}", f.name, type_name(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        T::Option(o) => format!("option<{}>", type_name(&o.ty())),
        other => format!("{other:?}")
            .split('(')
            .next()
            .unwrap_or("value")
            .to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_match_full_unversioned_and_short() {
        let e = "demo:greet/greeter@0.1.0";
        assert!(interface_matches(e, e));
        assert!(interface_matches(e, "demo:greet/greeter"));
        assert!(interface_matches(e, "greeter"));
        assert!(!interface_matches(e, "greet"));
        assert!(!interface_matches("", "greeter"));
    }
}
