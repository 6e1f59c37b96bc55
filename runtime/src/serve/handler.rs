//! A component checked to be an HTTP handler and pre-linked against WASI and `wasi:http`,
//! ready to be instantiated once per request.

use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::store::{instantiate_error, State};
use crate::{Loaded, RunError, Runtime};

/// A served component: pre-linked once, instantiated per request.
pub struct Handler {
    pub(crate) what: String,
    pub(crate) pre: ProxyPre<State>,
}

impl Handler {
    /// What the handler is (a file path, a project's name), for messages.
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl Runtime {
    /// Pre-links `loaded` as an HTTP handler: it must export `wasi:http/incoming-handler`
    /// and import nothing but WASI and `wasi:http`.
    pub fn handler(&self, loaded: &Loaded) -> Result<Handler, RunError> {
        let what = loaded.what.clone();
        let exports: Vec<String> = loaded
            .component
            .component_type()
            .exports(self.engine())
            .map(|(name, _)| name.to_string())
            .collect();
        if !exports
            .iter()
            .any(|e| e.starts_with(super::INCOMING_HANDLER))
        {
            return Err(RunError::NotAnHttpHandler { what, exports });
        }
        let mut linker = self.linker()?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(|e| {
            RunError::Engine {
                message: format!("{e:#}"),
            }
        })?;
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(|e| instantiate_error(&what, e))?;
        let pre = ProxyPre::new(pre).map_err(|e| RunError::Instantiate {
            what: what.clone(),
            message: format!("{e:#}"),
        })?;
        Ok(Handler { what, pre })
    }
}
