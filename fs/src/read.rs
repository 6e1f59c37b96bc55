use std::io::Read;
use std::path::Path;

/// Reads the regular file at `path`, refusing anything else (a folder, a device such as
/// `/dev/zero`, a pipe) and anything larger than `limit` bytes, with an error that says so.
/// Symbolic links are followed to what they name, which must itself be a regular file.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file (a folder, a device or a pipe)",
        ));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    // The size can change while reading; never take more than the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_large(size: u64, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!("it is {size} bytes, more than the {limit} bytes compose reads"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_folders_and_large_files() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(read_regular(tmp.path(), 10).is_err());
        assert!(read_regular(Path::new("/dev/zero"), 10).is_err());
        let f = tmp.path().join("f");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_regular(&f, 10).unwrap().len(), 10);
        let e = read_regular(&f, 9).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
    }
}
