use std::path::PathBuf;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::{cache, Grants, RunError};

/// The embedded engine and, optionally, the folder of its compiled-code cache.
pub struct Runtime {
    engine: Engine,
    cache_dir: Option<PathBuf>,
}

/// A compiled component, ready to instantiate.
pub struct Loaded {
    what: String,
    component: Component,
    /// Whether the compiled code came from the cache.
    pub from_cache: bool,
}

struct State {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

impl Runtime {
    /// An engine with compiled code cached in `cache_dir` (no cache when `None`).
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Self, RunError> {
        let config = Config::new();
        let engine = Engine::new(&config).map_err(|e| RunError::Engine {
            message: format!("{e:#}"),
        })?;
        Ok(Self { engine, cache_dir })
    }

    /// Compiles a component, or takes its compiled code from the cache.
    /// `what` names it in messages (a file path or a component name).
    pub fn load(&self, what: &str, bytes: &[u8]) -> Result<Loaded, RunError> {
        let compile_err = |e: wasmtime::Error| RunError::Compile {
            what: what.to_string(),
            message: format!("{e:#}"),
        };
        let entry = self
            .cache_dir
            .as_ref()
            .map(|dir| cache::entry_path(dir, &self.engine, bytes));
        if let Some(code) = entry.as_deref().and_then(cache::read) {
            // SAFETY: the code was produced by `precompile_component` of an engine with the
            // same configuration (the key covers it) and its SHA-256 was checked on read.
            if let Ok(component) = unsafe { Component::deserialize(&self.engine, &code) } {
                return Ok(Loaded {
                    what: what.to_string(),
                    component,
                    from_cache: true,
                });
            }
        }
        let (component, from_cache) = match &entry {
            Some(path) => {
                let code = self
                    .engine
                    .precompile_component(bytes)
                    .map_err(compile_err)?;
                cache::write(path, &code);
                // SAFETY: `code` was just produced by this engine.
                let component =
                    unsafe { Component::deserialize(&self.engine, &code) }.map_err(compile_err)?;
                (component, false)
            }
            None => (
                Component::new(&self.engine, bytes).map_err(compile_err)?,
                false,
            ),
        };
        Ok(Loaded {
            what: what.to_string(),
            component,
            from_cache,
        })
    }

    /// Runs a command component (one exporting `wasi:cli/run`) with exactly `grants`.
    /// stdout and stderr pass through. Returns the guest's exit code.
    pub fn run_command(
        &self,
        loaded: &Loaded,
        program: &str,
        grants: &Grants,
    ) -> Result<i32, RunError> {
        let what = loaded.what.as_str();
        let mut linker: Linker<State> = Linker::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| RunError::Engine {
            message: format!("{e:#}"),
        })?;
        let instantiate_err = |e: wasmtime::Error| RunError::Instantiate {
            what: what.to_string(),
            message: format!("{e:#}"),
        };
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(instantiate_err)?;
        let pre = CommandPre::new(pre).map_err(|_| RunError::NotACommand {
            what: what.to_string(),
        })?;

        let mut store = Store::new(
            &self.engine,
            State {
                ctx: sandbox(program, grants)?,
                table: ResourceTable::new(),
            },
        );
        let command = pre.instantiate(&mut store).map_err(instantiate_err)?;
        match command.wasi_cli_run().call_run(&mut store) {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(RunError::Trap {
                    what: what.to_string(),
                    message: format!("{e:?}"),
                }),
            },
        }
    }
}

/// The WASI context for one run: nothing beyond what `grants` lists, plus stdout/stderr.
fn sandbox(program: &str, grants: &Grants) -> Result<WasiCtx, RunError> {
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdout().inherit_stderr();
    let mut args = vec![program.to_string()];
    args.extend(grants.args.iter().cloned());
    b.args(&args);
    for (k, v) in &grants.env {
        b.env(k, v);
    }
    if grants.stdin {
        b.inherit_stdin();
    }
    if grants.network {
        b.inherit_network().allow_ip_name_lookup(true);
    }
    for d in &grants.dirs {
        let perms = if d.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&d.host, &d.guest, perms)
            .map_err(|e| RunError::Grant {
                grant: format!("dir {d}"),
                message: format!("{e:#}"),
            })?;
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPONENT: &str = r#"(component
        (core module $m (func (export "f") (result i32) i32.const 7))
        (core instance $i (instantiate $m))
        (func (export "f") (result u32) (canon lift (core func $i "f"))))"#;

    #[test]
    fn second_load_comes_from_the_cache_and_a_damaged_entry_is_recompiled() {
        let bytes = wat::parse_str(COMPONENT).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let runtime = Runtime::new(Some(dir.path().to_path_buf())).unwrap();
        assert!(!runtime.load("c", &bytes).unwrap().from_cache);
        assert!(runtime.load("c", &bytes).unwrap().from_cache);

        let entry = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut data = std::fs::read(&entry).unwrap();
        let middle = data.len() / 2;
        data[middle] ^= 0xff;
        std::fs::write(&entry, &data).unwrap();
        assert!(!runtime.load("c", &bytes).unwrap().from_cache);
        assert!(runtime.load("c", &bytes).unwrap().from_cache);
    }

    #[test]
    fn a_library_is_not_a_command() {
        let bytes = wat::parse_str(COMPONENT).unwrap();
        let runtime = Runtime::new(None).unwrap();
        let loaded = runtime.load("lib", &bytes).unwrap();
        let err = runtime
            .run_command(&loaded, "lib", &Grants::default())
            .unwrap_err();
        assert!(matches!(err, RunError::NotACommand { .. }), "{err}");
    }
}
