//! The Wasm OCI artifact layout (CNCF TAG Runtime's "Wasm OCI Artifact"): an OCI image
//! manifest whose config has media type `application/vnd.wasm.config.v0+json` and whose one
//! layer is the `application/wasm` bytes.

use std::collections::BTreeMap;

use compose_wit::decode::{decode, Decoded};
use serde::{Deserialize, Serialize};

use crate::{Digest, RegistryError};

/// The manifest's media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The config's media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The one layer's media type.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";

/// A pointer to a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// An OCI image manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The config blob of a Wasm artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// RFC 3339.
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Always `wasm`.
    pub architecture: String,
    /// `wasip2` for components and WIT packages.
    pub os: String,
    /// The layers' digests, in order.
    pub layer_digests: Vec<String>,
    /// What the component imports and exports.
    pub component: Option<ComponentInfo>,
}

/// The component part of a [`WasmConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    pub target: Option<String>,
}

/// Everything pushed for one `.wasm`: the layer, the config and the manifest, as bytes.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub manifest: ImageManifest,
    pub manifest_bytes: Vec<u8>,
    pub config: WasmConfig,
    pub config_bytes: Vec<u8>,
    pub layer: Vec<u8>,
}

impl Artifact {
    /// The artifact for `wasm`, a component or an encoded WIT package (`what` names it in
    /// errors). `version` goes into the manifest's annotations when given.
    pub fn new(wasm: Vec<u8>, what: &str, version: Option<&str>) -> Result<Self, RegistryError> {
        let (imports, exports) = match decode(&wasm, what)? {
            Decoded::Component {
                imports, exports, ..
            } => (imports, exports),
            // As wkg describes a WIT package: its interfaces and worlds are its "exports".
            Decoded::WitPackage { items, .. } => (Vec::new(), items),
        };
        let layer_digest = Digest::of(&wasm);
        let created = rfc3339_now();
        let config = WasmConfig {
            created: created.clone(),
            author: None,
            architecture: "wasm".into(),
            os: "wasip2".into(),
            layer_digests: vec![layer_digest.to_string()],
            component: Some(ComponentInfo {
                exports,
                imports,
                target: None,
            }),
        };
        let config_bytes = serde_json::to_vec(&config).expect("a config serializes");
        let mut annotations =
            BTreeMap::from([("org.opencontainers.image.created".to_string(), created)]);
        if let Some(v) = version {
            annotations.insert("org.opencontainers.image.version".into(), v.to_string());
        }
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(MANIFEST_MEDIA_TYPE.into()),
            artifact_type: None,
            config: Descriptor {
                media_type: CONFIG_MEDIA_TYPE.into(),
                digest: Digest::of(&config_bytes).to_string(),
                size: config_bytes.len() as u64,
                annotations: None,
            },
            layers: vec![Descriptor {
                media_type: LAYER_MEDIA_TYPE.into(),
                digest: layer_digest.to_string(),
                size: wasm.len() as u64,
                annotations: None,
            }],
            annotations: Some(annotations),
        };
        let manifest_bytes = serde_json::to_vec(&manifest).expect("a manifest serializes");
        Ok(Artifact {
            manifest,
            manifest_bytes,
            config,
            config_bytes,
            layer: wasm,
        })
    }
}

/// Reads a pulled manifest and checks that it is a Wasm artifact: its one `application/wasm`
/// layer's descriptor.
pub fn wasm_layer(
    manifest_bytes: &[u8],
    reference: &str,
) -> Result<(ImageManifest, Descriptor), RegistryError> {
    let not_wasm = |why: String| RegistryError::NotWasm {
        reference: reference.to_string(),
        why,
    };
    let manifest: ImageManifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| not_wasm(format!("its manifest is not an OCI image manifest: {e}")))?;
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(not_wasm(format!(
            "its config is `{}`, not `{CONFIG_MEDIA_TYPE}`",
            manifest.config.media_type
        )));
    }
    let layer = match manifest.layers.as_slice() {
        [one] if one.media_type == LAYER_MEDIA_TYPE => one.clone(),
        [one] => {
            return Err(not_wasm(format!(
                "its layer is `{}`, not `{LAYER_MEDIA_TYPE}`",
                one.media_type
            )))
        }
        layers => {
            return Err(not_wasm(format!(
                "it has {} layers; a Wasm artifact has exactly one",
                layers.len()
            )))
        }
    };
    Ok((manifest, layer))
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the Unix epoch as an RFC 3339 UTC time (days to a civil date after Howard
/// Hinnant's published algorithm).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_513_973), "2026-11-24T09:52:53Z");
    }

    #[test]
    fn a_core_module_is_not_an_artifact() {
        let core = b"\0asm\x01\0\0\0".to_vec();
        let e = Artifact::new(core, "m.wasm", None).unwrap_err().to_string();
        assert!(e.contains("core WebAssembly module"), "{e}");
    }

    #[test]
    fn foreign_manifests_are_refused_with_the_reason() {
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:00", "size": 1},
            "layers": []
        });
        let e = wasm_layer(manifest.to_string().as_bytes(), "r/x:1")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("application/vnd.oci.image.config.v1+json"),
            "{e}"
        );
    }
}
