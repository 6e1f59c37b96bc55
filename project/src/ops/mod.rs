//! The operations behind the commands.

mod add;
mod build;
mod cache;
mod confine;
mod deploy;
mod differential;
mod fetch;
mod graph;
mod new;
mod plug;
mod publish;
mod run;
mod serve;
mod test;
mod wit;

pub use add::{add_component, AddRequest};
pub use build::{build, BuildEvent, BuildReport, ComponentReport, StartUpRead, Timing};
pub use cache::{cache_clean, cache_gc, cache_info, CacheInfo};
pub use compose_linker::graph::{Edge as GraphEdge, Node as GraphNode, Piece};
pub use compose_linker::{Confinement, Reach};
pub use confine::{capabilities, Capabilities};
pub use deploy::{deploy, describe, DeployNotice, DeployRequest, Deployed, Description};
pub use differential::{differential, Comparison, DifferentialOptions, Disagreement};
pub use fetch::BuildOptions;
pub use graph::{graph_of_build, graph_of_file, render_graph, write_graph, GraphFormat};
pub use new::{new_project, Template};
pub use plug::{plug, Plugged};
pub use publish::{publish, pull, wit_package, Published};
pub use run::{grants_for, limits_for, run, run_plugged, Compiling, RunOutcome, RunRequest};
pub use serve::{serve, serve_limits, ServeNotice, ServeRequest, Watch, REQUEST_TIMEOUT};
pub use test::{read_test_file, test, test_limits, CaseResult, TestFile, TestReport};
pub use wit::{
    inspect, inspect_bytes, load_wit_source, wit_deps, wit_diff, wit_print, DepNode, Inspection,
    LoadedWit, Nested,
};
