//! A component checked to be an HTTP handler and pre-linked against WASI and `wasi:http`,
//! ready to be instantiated once per request: a `wasi:http/incoming-handler` of WASI 0.2, or
//! a `wasi:http/handler` of WASI 0.3 (whose `handle` is an async function).

use wasmtime_wasi_http::handler::ProxyPre;

use crate::store::{instantiate_error, State};
use crate::{Loaded, RunError, Runtime};

/// The interface a WASI 0.3 handler exports.
pub const HANDLER_P3: &str = "wasi:http/handler@0.3";

/// A served component: pre-linked once, instantiated per request.
pub struct Handler {
    pub(crate) what: String,
    pub(crate) pre: ProxyPre<State>,
    pub(crate) engine: wasmtime::Engine,
}

impl Handler {
    /// What the handler is (a file path, a project's name), for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The interface it serves: `wasi:http/incoming-handler@0.2` or `wasi:http/handler@0.3`.
    pub fn interface(&self) -> String {
        match self.pre {
            ProxyPre::P2(_) => format!("{}@0.2", super::INCOMING_HANDLER),
            ProxyPre::P3(_) => HANDLER_P3.to_string(),
        }
    }

    /// The WASI version of its `wasi:http` world: `0.2` or `0.3`.
    pub fn wasi(&self) -> &'static str {
        match self.pre {
            ProxyPre::P2(_) => "0.2",
            ProxyPre::P3(_) => "0.3",
        }
    }
}

impl Runtime {
    /// Pre-links `loaded` as an HTTP handler: it must export `wasi:http/incoming-handler`
    /// (WASI 0.2) or `wasi:http/handler` (WASI 0.3), and import nothing but WASI and
    /// `wasi:http`.
    pub fn handler(&self, loaded: &Loaded) -> Result<Handler, RunError> {
        let what = loaded.what.clone();
        let exports: Vec<String> = loaded
            .component
            .component_type()
            .exports(self.engine())
            .map(|(name, _)| name.to_string())
            .collect();
        if let crate::Allocation::Pooled { shape: pool, .. } = self.allocation() {
            let shape = loaded.shape();
            if !pool.holds(shape) {
                return Err(RunError::PoolShape {
                    what,
                    memories: shape.memories,
                    tables: shape.tables,
                    pool_memories: pool.memories,
                    pool_tables: pool.tables,
                });
            }
        }
        let p3 = exports.iter().any(|e| e.starts_with(HANDLER_P3));
        if !p3
            && !exports
                .iter()
                .any(|e| e.starts_with(super::INCOMING_HANDLER))
        {
            return Err(RunError::NotAnHttpHandler { what, exports });
        }
        let engine_error = |e: wasmtime::Error| RunError::Engine {
            message: format!("{e:#}"),
        };
        let mut linker = self.linker()?;
        // A WASI 0.3 handler built from Rust's standard library still imports WASI 0.2.
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(engine_error)?;
        if p3 {
            wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(engine_error)?;
            wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(engine_error)?;
        }
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(|e| instantiate_error(&what, e))?;
        let not_a_handler = |e: wasmtime::Error| RunError::Instantiate {
            what: what.clone(),
            message: format!("{e:#}"),
        };
        let pre = if p3 {
            ProxyPre::P3(
                wasmtime_wasi_http::p3::bindings::ServicePre::new(pre).map_err(not_a_handler)?,
            )
        } else {
            ProxyPre::P2(
                wasmtime_wasi_http::p2::bindings::ProxyPre::new(pre).map_err(not_a_handler)?,
            )
        };
        Ok(Handler {
            what,
            pre,
            engine: self.engine().clone(),
        })
    }
}
