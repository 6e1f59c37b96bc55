//! Calling single exported functions: `--invoke 'iface.func(args)'`, test vectors and the
//! differential runner all go through a [`Session`], which links a component once (WASI with
//! the run's grants, plus stubs for other imports) and gives every call a fresh instance.
//!
//! A function is named `func` (a function exported by the component itself, or the only one
//! of that name in its exported interfaces), `iface.func` where `iface` is an exported
//! interface's full name (`demo:greet/greeter@0.1.0`), its name without version, or its short
//! name (`greeter`); `iface#func` works as well. Arguments and results are in WAVE.

use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
use wasmtime::component::{ComponentExportIndex, InstancePre, Val};

use crate::deadline::{block_on, Deadline};
use crate::limits::Limits;
use crate::store::{classify, instantiate_error, over_budget, State, Stopped};
use crate::{Grants, Loaded, RunError, Runtime};

mod streams;
mod stubs;
mod wave;

use stubs::define_stub;
pub(crate) use stubs::define_traps;
use wave::check_depth;
pub use wave::{check_call, check_value, to_wave, type_name};

/// The outcome of an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    /// The full name of the function that was called (`iface#func` or `func`).
    pub function: String,
    /// Each result, in WAVE.
    pub results: Vec<String>,
}

/// A canned answer for an imported function, so a component can be tested alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    /// The imported interface (`demo:greet/greeter@0.1.0`), or "" for a bare function import.
    pub interface: String,
    /// The function.
    pub function: String,
    /// What it returns, in WAVE (ignored for a function without result).
    pub result: String,
}

/// An exported function of a component.
#[derive(Debug, Clone)]
pub struct Function {
    /// The exported interface it belongs to, or "" for a top-level function.
    pub interface: String,
    /// Its name.
    pub name: String,
    /// Its full name, `iface#func` or `func`.
    pub full_name: String,
    /// Its parameter names.
    pub param_names: Vec<String>,
    /// Its parameter types.
    pub params: Vec<Type>,
    /// Its result types (zero or one).
    pub results: Vec<Type>,
    index: ComponentExportIndex,
}

/// The arguments of a call to a function taking streams: each stream given as the list of
/// its items (see [`streams`]), the others as their types say.
fn stream_params(call: &UntypedFuncCall, function: &Function) -> Result<Vec<Val>, String> {
    let nodes: Vec<_> = match call.params_node() {
        Some(node) => node.as_tuple().map_err(|e| e.to_string())?.collect(),
        None => Vec::new(),
    };
    if nodes.len() != function.params.len() {
        return Err(format!(
            "{} argument(s) given, {} expected",
            nodes.len(),
            function.params.len()
        ));
    }
    nodes
        .into_iter()
        .zip(&function.params)
        .map(|(node, ty)| match ty {
            Type::Stream(_) => streams::parse_items(ty, node, call.source()),
            _ => node
                .to_wasm_value::<Val>(ty, call.source())
                .map_err(|e| e.to_string()),
        })
        .collect()
}

/// A component linked once, called many times.
pub struct Session<'a> {
    runtime: &'a Runtime,
    loaded: &'a Loaded,
    pre: InstancePre<State>,
    grants: Grants,
    limits: Limits,
    functions: Vec<Function>,
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
        self.session(loaded, grants, limits, &[])?.call(call)
    }

    /// Links `loaded` for calls: WASI with `grants`, the given stubs, and every other import
    /// defined to trap if it is ever called.
    pub fn session<'a>(
        &'a self,
        loaded: &'a Loaded,
        grants: &Grants,
        limits: &Limits,
        stubs: &[Stub],
    ) -> Result<Session<'a>, RunError> {
        let what = loaded.what.as_str();
        let mut linker = self.linker()?;
        for stub in stubs {
            define_stub(&mut linker, stub).map_err(|e| RunError::Invoke {
                call: format!("stub {}#{}", stub.interface, stub.function),
                message: format!("{e:#}"),
                help: "a stub names an imported interface and function, and its result in WAVE"
                    .into(),
            })?;
        }
        define_traps(
            self,
            &mut linker,
            loaded,
            stubs,
            "the test gives it no stub",
        )
        .map_err(|e| instantiate_error(what, e))?;
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(|e| instantiate_error(what, e))?;
        Ok(Session {
            runtime: self,
            loaded,
            pre,
            grants: grants.clone(),
            limits: *limits,
            functions: exported_functions(self, loaded),
        })
    }
}

impl Session<'_> {
    /// Every exported function (top level and one interface deep).
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// Calls `name(args...)`, args in WAVE.
    pub fn call(&self, call: &str) -> Result<Invoked, RunError> {
        let err = |message: String, help: String| RunError::Invoke {
            call: compose_wit::text::printable(call).into_owned(),
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
        check_depth(args).map_err(|m| err(m, String::new()))?;
        let function = self
            .find(name)
            .map_err(|(message, help)| err(message, help))?;
        let source = format!("f{args}");
        let parsed = UntypedFuncCall::parse(&source).map_err(|e| {
            err(
                format!("the arguments are not valid WAVE: {e}"),
                signature_help(function),
            )
        })?;
        let params: Vec<Val> = if function.params.iter().any(streams::is_stream) {
            stream_params(&parsed, function)
        } else {
            parsed
                .to_wasm_params(function.params.iter())
                .map_err(|e| e.to_string())
        }
        .map_err(|e| {
            err(
                format!("the arguments do not fit the function: {e}"),
                signature_help(function),
            )
        })?;
        let values = self.call_values(function, &params)?;
        let results = values
            .iter()
            .zip(&function.results)
            .map(|(value, ty)| match ty {
                Type::Stream(_) => Ok(streams::show(ty, value)),
                _ => to_wave(std::slice::from_ref(value)).map(|mut v| v.remove(0)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| err(m, String::new()))?;
        Ok(Invoked {
            function: function.full_name.clone(),
            results,
        })
    }

    /// Instantiates the component once and drops the instance: what every call pays before
    /// it runs (benchmarks measure it; a run can use it to warm up).
    pub fn instantiate(&self) -> Result<(), RunError> {
        let what = self.loaded.what.as_str();
        let mut store = self.runtime.store(what, &self.grants, &self.limits)?;
        block_on(None, self.pre.instantiate_async(&mut store))
            .unwrap_or_else(|| Err(wasmtime::format_err!("out of time")))
            .map(drop)
            .map_err(|e| instantiate_error(what, e))
    }

    /// Calls `function` with `params` in a fresh instance; returns its results.
    pub fn call_values(&self, function: &Function, params: &[Val]) -> Result<Vec<Val>, RunError> {
        enum Failed {
            Instantiate(wasmtime::Error),
            NotAFunction,
            Call(wasmtime::Error),
        }
        let what = self.loaded.what.as_str();
        let mut store = self.runtime.store(what, &self.grants, &self.limits)?;
        let _deadline = Deadline::start(self.runtime.engine(), what, &self.limits);
        let mut results = vec![Val::Bool(false); function.results.len()];
        let outcome = block_on(self.limits.wall_clock(), async {
            let instance = self
                .pre
                .instantiate_async(&mut store)
                .await
                .map_err(Failed::Instantiate)?;
            let func = instance
                .get_func(&mut store, function.index)
                .ok_or(Failed::NotAFunction)?;
            let streams = function
                .params
                .iter()
                .chain(&function.results)
                .any(streams::is_stream);
            if streams {
                streams::call(
                    &mut store,
                    func,
                    params,
                    &function.params,
                    &mut results,
                    &function.results,
                )
                .await
                .map_err(Failed::Call)
            } else {
                func.call_async(&mut store, params, &mut results)
                    .await
                    .map_err(Failed::Call)
            }
        });
        let stopped = match outcome {
            Some(Ok(())) => return Ok(results),
            None => Stopped::OutOfTime,
            Some(Err(Failed::NotAFunction)) => {
                return Err(RunError::Invoke {
                    call: function.full_name.clone(),
                    message: "is not a function".into(),
                    help: String::new(),
                })
            }
            Some(Err(Failed::Instantiate(e)))
                if e.downcast_ref::<wasmtime::Trap>().is_none() && !over_budget(&store) =>
            {
                return Err(instantiate_error(what, e))
            }
            Some(Err(Failed::Instantiate(e) | Failed::Call(e))) => Stopped::Failed(e),
        };
        Err(classify(what, stopped, over_budget(&store), &self.limits))
    }

    /// `expected` (the WAVE result of `call`) parsed with the function's result type and
    /// printed back: the spelling results of `call` are shown in, so that spacing and
    /// spelling differences do not count when comparing.
    pub fn canonical_result(&self, call: &str, expected: &str) -> Result<String, String> {
        let name = call.split('(').next().unwrap_or(call).trim();
        let function = self.find(name).map_err(|(m, _)| m)?;
        match function.results.first() {
            None if expected.trim().is_empty() => Ok(String::new()),
            None => Err("the function returns nothing".into()),
            Some(ty @ Type::Stream(_)) => {
                check_depth(expected)?;
                streams::canonical_items(ty, expected)
            }
            Some(ty) => {
                check_depth(expected)?;
                let value = Val::from_wave(ty, expected).map_err(|e| format!("{e:#}"))?;
                to_wave(&[value]).map(|v| v.join(""))
            }
        }
    }

    /// The function `name` names. On failure, (message, help listing what there is).
    pub fn find(&self, name: &str) -> Result<&Function, (String, String)> {
        let (iface, func) = match name.rsplit_once('#').or_else(|| name.rsplit_once('.')) {
            Some((i, f)) => (Some(i), f),
            None => (None, name),
        };
        let matches: Vec<&Function> = self
            .functions
            .iter()
            .filter(|f| {
                f.name == func && iface.is_none_or(|want| interface_matches(&f.interface, want))
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => {
                let all: Vec<&str> = self
                    .functions
                    .iter()
                    .map(|f| f.full_name.as_str())
                    .collect();
                // A screenful at most: a component may export thousands.
                const SHOWN: usize = 20;
                let help = match all.len() {
                    0 => "the component exports no function".to_string(),
                    n if n <= SHOWN => format!("it exports: {}", all.join(", ")),
                    n => format!(
                        "it exports: {}, and {} more",
                        all[..SHOWN].join(", "),
                        n - SHOWN
                    ),
                };
                Err((
                    format!(
                        "the component exports no function `{}`",
                        compose_wit::text::printable(name)
                    ),
                    help,
                ))
            }
            many => Err((
                format!(
                    "`{name}` is ambiguous: {}",
                    many.iter()
                        .map(|f| f.full_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "name the interface too, e.g. `greeter.greet(...)`".into(),
            )),
        }
    }
}

fn exported_functions(runtime: &Runtime, loaded: &Loaded) -> Vec<Function> {
    let engine = runtime.engine();
    let component = &loaded.component;
    let mut out = Vec::new();
    let mut push =
        |interface: &str, name: &str, ty: &ComponentFunc, parent: Option<&ComponentExportIndex>| {
            if let Some(index) = component.get_export_index(parent, name) {
                out.push(Function {
                    interface: interface.to_string(),
                    name: name.to_string(),
                    full_name: full_name(interface, name),
                    param_names: ty.params().map(|(n, _)| n.to_string()).collect(),
                    params: ty.params().map(|(_, t)| t).collect(),
                    results: ty.results().collect(),
                    index,
                });
            }
        };
    for (export, item) in component.component_type().exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(ty) => push("", export, &ty, None),
            ComponentItem::ComponentInstance(instance) => {
                let parent = component.get_export_index(None, export);
                for (name, item) in instance.exports(engine) {
                    if let ComponentItem::ComponentFunc(ty) = item.ty {
                        push(export, name, &ty, parent.as_ref());
                    }
                }
            }
            _ => {}
        }
    }
    out
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

fn signature_help(function: &Function) -> String {
    let params: Vec<String> = function
        .param_names
        .iter()
        .zip(&function.params)
        .map(|(n, t)| format!("{n}: {}", type_name(t)))
        .collect();
    format!("`{}` takes ({})", function.full_name, params.join(", "))
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
