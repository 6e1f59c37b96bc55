use std::fs::File;
use std::path::Path;

/// An exclusive lock on a folder (a `.lock` file in it), held until dropped. Another
/// process asking for it waits, after being told once (`waiting`) that it does.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Locks `dir` (created if missing). `waiting` is called once if another process holds
    /// the lock, before waiting for it.
    pub fn acquire(dir: &Path, waiting: &mut dyn FnMut()) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".lock"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                waiting();
                file.lock()?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(tmp.path(), &mut || panic!("nobody holds it")).unwrap();
        let dir = tmp.path().to_path_buf();
        let waited = std::thread::spawn(move || {
            let mut waited = false;
            let _second = DirLock::acquire(&dir, &mut || waited = true).unwrap();
            waited
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(first);
        assert!(waited.join().unwrap());
    }
}
