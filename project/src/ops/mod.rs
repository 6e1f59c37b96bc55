//! The operations behind the commands.

mod add;
mod build;
mod differential;
mod new;
mod run;
mod test;

pub use add::{add_component, AddRequest};
pub use build::{build, BuildEvent, BuildReport, ComponentReport};
pub use differential::{differential, Comparison, DifferentialOptions, Disagreement};
pub use new::new_project;
pub use run::{grants_for, limits_for, run, RunOutcome, RunRequest};
pub use test::{test, CaseResult, TestReport};
