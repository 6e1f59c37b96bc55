use std::io;
use std::path::{Component, Path, PathBuf};

/// A folder compose owns, below a base it trusts (the project's folder, or compose's home):
/// `<base>/<rel>`. Every folder from the base down to what compose writes or removes must be
/// a real folder, never a symbolic link, so a link committed to a repository (say
/// `target/compose -> ~/other-project`) cannot send a write or a delete elsewhere.
#[derive(Debug, Clone)]
pub struct Confined {
    base: PathBuf,
    rel: PathBuf,
}

impl Confined {
    /// `<base>/<rel>`, where `rel` is relative and has no `..`.
    pub fn new(base: impl Into<PathBuf>, rel: impl Into<PathBuf>) -> io::Result<Self> {
        let rel = rel.into();
        check_relative(&rel)?;
        Ok(Self {
            base: base.into(),
            rel,
        })
    }

    /// The folder's path.
    pub fn path(&self) -> PathBuf {
        self.base.join(&self.rel)
    }

    /// A folder below this one.
    pub fn join(&self, rel: impl AsRef<Path>) -> io::Result<Self> {
        let rel = rel.as_ref();
        check_relative(rel)?;
        Ok(Self {
            base: self.base.clone(),
            rel: self.rel.join(rel),
        })
    }

    /// Creates the folder (and those above it, up to the base) where missing, refusing any
    /// symbolic link on the way. Returns its path.
    pub fn create(&self) -> io::Result<PathBuf> {
        let mut at = self.base.clone();
        for part in self.rel.components() {
            at.push(part);
            match std::fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => return Err(link_error(&at)),
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("`{}` is a file where compose needs a folder", at.display()),
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(&at) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        // Created concurrently as a link after the check above? Check the result once more.
        self.check()?;
        Ok(self.path())
    }

    /// Fails if any folder from the base down to this one is a symbolic link (missing ones
    /// are fine).
    pub fn check(&self) -> io::Result<()> {
        let mut at = self.base.clone();
        for part in self.rel.components() {
            at.push(part);
            match std::fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() => return Err(link_error(&at)),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes `name` in this folder atomically (the folder is created first).
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        check_relative(Path::new(name))?;
        let path = self.create()?.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            // Renaming over a link replaces the link, not what it names; still, say so.
            std::fs::remove_file(&path)?;
        }
        crate::write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// Removes the folder and everything in it, if it exists; a symbolic link on the way is
    /// an error, a link inside is removed as a link (never followed).
    pub fn remove(&self) -> io::Result<()> {
        self.check()?;
        match std::fs::remove_dir_all(self.path()) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

fn check_relative(rel: &Path) -> io::Result<()> {
    if rel.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "`{}` would leave the folder compose writes in",
                rel.display()
            ),
        ))
    }
}

fn link_error(at: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "`{}` is a symbolic link; compose writes only inside the project's target/compose and its own home, never through a link (remove the link)",
            at.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_writes_and_removes_inside() {
        let tmp = tempfile::tempdir().unwrap();
        let out = Confined::new(tmp.path(), "target/compose").unwrap();
        let comp = out.join("components/app").unwrap();
        let file = comp.write("app.wasm", b"x").unwrap();
        assert_eq!(std::fs::read(file).unwrap(), b"x");
        comp.remove().unwrap();
        assert!(!comp.path().exists());
        assert!(out.join("../x").is_err());
        assert!(Confined::new(tmp.path(), "/etc").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_or_removes_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("p");
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(project.join("target")).unwrap();
        std::fs::create_dir_all(elsewhere.join("components/app")).unwrap();
        std::fs::write(elsewhere.join("components/app/keep"), "mine").unwrap();
        std::os::unix::fs::symlink(&elsewhere, project.join("target/compose")).unwrap();
        let out = Confined::new(&project, "target/compose").unwrap();
        let comp = out.join("components/app").unwrap();
        assert!(comp.write("app.wasm", b"x").is_err());
        assert!(comp.remove().is_err());
        assert!(elsewhere.join("components/app/keep").exists());
        assert!(!elsewhere.join("components/app/app.wasm").exists());
    }
}
