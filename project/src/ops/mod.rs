//! The operations behind the commands.

mod build;
mod run;

pub use build::{build, BuildEvent, BuildReport, ComponentReport};
pub use run::{grants_for, run, RunOutcome, RunRequest};
