pub mod add;
pub mod build;
pub mod cache;
pub mod check;
pub mod deploy;
pub mod doctor;
pub mod graph;
pub mod inspect;
pub mod new;
pub mod publish;
pub mod pull;
pub mod run;
pub mod sandbox;
pub mod serve;
pub mod test;
pub mod wit;

use std::path::PathBuf;

use compose_project::Manifest;

/// Where the manifest is: `--manifest-path`, or `compose.toml` in this folder or a parent.
#[derive(clap::Args, Debug, Clone)]
pub struct ManifestArg {
    /// Path to compose.toml (default: found in the current folder or its parents).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

impl ManifestArg {
    pub fn load(&self) -> miette::Result<Manifest> {
        let path = match &self.manifest_path {
            Some(p) => p.clone(),
            None => {
                let cwd = std::env::current_dir()
                    .map_err(|e| miette::miette!("cannot read the current folder: {e}"))?;
                Manifest::find(&cwd)?
            }
        };
        Ok(Manifest::load(&path)?)
    }
}
