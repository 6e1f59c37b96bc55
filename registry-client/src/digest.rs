//! Content digests (`sha256:<hex>`), the identity of every blob and manifest.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::RegistryError;

/// A `sha256:<64 hex digits>` digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    /// Parses `sha256:<hex>`; other algorithms are refused.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let hex = text
            .strip_prefix("sha256:")
            .ok_or_else(|| RegistryError::BadDigest {
                digest: text.to_string(),
            })?;
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(RegistryError::BadDigest {
                digest: text.to_string(),
            });
        }
        Ok(Digest(text.to_string()))
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// The whole `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Fails unless `bytes` have this digest; `what` names them in the error.
    pub fn verify(&self, bytes: &[u8], what: &str) -> Result<(), RegistryError> {
        let actual = Digest::of(bytes);
        if actual != *self {
            return Err(RegistryError::DigestMismatch {
                what: what.to_string(),
                expected: self.0.clone(),
                actual: actual.0,
                size: bytes.len(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked() {
        let d = Digest::of(b"hello");
        assert_eq!(
            d.as_str(),
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(d.verify(b"hello", "x").is_ok());
        let e = d.verify(b"hellO", "blob").unwrap_err().to_string();
        assert!(e.contains("sha256:2cf24dba"), "{e}");
        assert!(Digest::parse(d.as_str()).is_ok());
        assert!(Digest::parse("md5:abc").is_err());
        assert!(Digest::parse("sha256:XYZ").is_err());
    }
}
