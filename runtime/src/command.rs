//! Running a command component (one exporting `wasi:cli/run`) in the sandbox.

use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::I32Exit;

use crate::deadline::{block_on, Deadline};
use crate::store::{classify, instantiate_error, over_budget, Stopped};
use crate::{Grants, Limits, Loaded, RunError, Runtime};

impl Runtime {
    /// Runs a command component with exactly `grants`, under `limits`. stdout and stderr
    /// pass through. Returns the guest's exit code.
    pub fn run_command(
        &self,
        loaded: &Loaded,
        program: &str,
        grants: &Grants,
        limits: &Limits,
    ) -> Result<i32, RunError> {
        let what = loaded.what.as_str();
        let linker = self.linker()?;
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(|e| instantiate_error(what, e))?;
        let pre = CommandPre::new(pre).map_err(|_| RunError::NotACommand {
            what: what.to_string(),
        })?;
        let mut store = self.store(program, grants, limits)?;
        let _deadline = Deadline::start(self.engine(), what, limits);
        let outcome = block_on(limits.wall_clock(), async {
            let command = pre.instantiate_async(&mut store).await?;
            command.wasi_cli_run().call_run(&mut store).await
        });
        let stopped = match outcome {
            Some(Ok(Ok(()))) => return Ok(0),
            Some(Ok(Err(()))) => return Ok(1),
            Some(Err(e)) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => return Ok(exit.0),
                None => Stopped::Failed(e),
            },
            None => Stopped::OutOfTime,
        };
        Err(classify(what, stopped, over_budget(&store), limits))
    }
}
