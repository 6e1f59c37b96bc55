//! The workload a wasmCloud host runs: compose's service mapped onto the host's own fields,
//! and a clear refusal for what the host cannot enforce.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::{DeployError, HttpInterface, Service};

/// The engine's name in messages.
pub const ENGINE: &str = "wasmCloud";

/// The request that starts `service` on a host: `{"workloadId", "workload"}`.
pub fn workload(service: &Service) -> Result<Value, DeployError> {
    service.check()?;
    refuse_what_cannot_be_enforced(service)?;
    let mut resources = Map::new();
    if !service.env.is_empty() {
        let env: Map<String, Value> = service
            .env
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        resources.insert("environment".into(), Value::Object(env));
    }
    if !service.outgoing_http.is_empty() {
        resources.insert("allowedHosts".into(), json!(service.outgoing_http));
    }
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (i, dir) in service.dirs.iter().enumerate() {
        let name = format!("dir-{i}");
        volumes.push(json!({"name": name, "hostPath": {"localPath": dir.host}}));
        mounts.push(json!({"name": name, "mountPath": dir.guest, "readOnly": false}));
    }
    if !mounts.is_empty() {
        resources.insert("volumeMounts".into(), Value::Array(mounts));
    }
    let (version, interface) = match &service.interface {
        HttpInterface::IncomingHandler { version } => (version, "incoming-handler"),
        HttpInterface::Handler { version } => (version, "handler"),
    };
    let mut component = json!({"name": service.name, "image": service.image});
    if !resources.is_empty() {
        component["localResources"] = Value::Object(resources);
    }
    let mut workload = json!({
        "namespace": "default",
        "name": service.name,
        "witWorld": {
            "components": [component],
            "hostInterfaces": [{
                "namespace": "wasi",
                "package": "http",
                "version": version,
                "interfaces": [interface],
                "config": {"host": service.http_host},
            }],
        },
    });
    if !volumes.is_empty() {
        workload["volumes"] = Value::Array(volumes);
    }
    Ok(json!({"workloadId": workload_id(service, &workload), "workload": workload}))
}

/// The name and 12 hex digits of what this version is: the component's bytes and everything
/// the host is told but where it pulls them from. A change of code or of a grant is a new
/// version (started beside the old one); the same again is recognised as running.
fn workload_id(service: &Service, workload: &Value) -> String {
    let mut identity = workload.clone();
    identity["witWorld"]["components"][0]["image"] = json!(service.version);
    let digest = Sha256::digest(identity.to_string().as_bytes());
    format!("{}-{}", service.name, &hex::encode(digest)[..12])
}

/// A grant or limit the host would drop silently is refused here, before anything is sent.
fn refuse_what_cannot_be_enforced(service: &Service) -> Result<(), DeployError> {
    let refuse = |grant: String, why: &str, help: &str| {
        Err(DeployError::Unsupported {
            engine: ENGINE,
            grant,
            why: why.into(),
            help: help.into(),
        })
    };
    if let Some(dir) = service.dirs.iter().find(|d| !d.writable) {
        return refuse(
            format!("the read-only directory `{}`", dir.guest),
            "a read-only volume mount of wasmCloud 2.10 still lets the component create files and folders in it",
            "grant it read-write (`:rw`) if the service may change it, or give it the data another way (environment, a request)",
        );
    }
    if !service.network.is_empty() {
        return refuse(
            format!("sockets to `{}`", service.network.join("`, `")),
            "its hosts grant raw sockets to loopback ports only, not to compose's address rules",
            "send HTTP instead (`--allow-http HOST`, which maps to its allowed hosts), or drop the `--allow-net` grant",
        );
    }
    if service.name_lookup {
        return refuse(
            "name lookups".into(),
            "its hosts allow lookups of listed names only, and compose's grant is every name",
            "drop `--allow-name-lookup`; outgoing HTTP (`--allow-http HOST`) resolves its hosts itself",
        );
    }
    if service.max_memory.is_some() {
        return refuse(
            "a memory limit (`max-memory`)".into(),
            "a workload's `memoryLimitMb` is accepted but not enforced by wasmCloud 2.10 (a request of a workload limited to 16 MiB grew 1 GiB when compose checked)",
            "drop `--max-memory` (or `[run] max-memory`) to deploy without it, and bound memory on the hosts themselves",
        );
    }
    let limits = [
        (
            service.timeout.is_some(),
            "a time limit per request (`timeout`)",
        ),
        (service.fuel.is_some(), "a fuel limit (`fuel`)"),
        (service.max_stack.is_some(), "a stack limit (`max-stack`)"),
    ];
    if let Some((_, limit)) = limits.iter().find(|(set, _)| *set) {
        return refuse(
            limit.to_string(),
            "a workload of wasmCloud 2.10 has no such field, so the bound would be silently dropped",
            "remove it from the command line or from `[run]` in compose.toml to deploy without it",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceDir;
    use std::time::Duration;

    fn service() -> Service {
        Service {
            env: vec![("GREETING".into(), "hi".into())],
            dirs: vec![ServiceDir {
                host: "/srv/data".into(),
                guest: "/data".into(),
                writable: true,
            }],
            outgoing_http: vec!["api.example.com".into()],
            ..crate::service::sample()
        }
    }

    #[test]
    fn grants_map_onto_the_hosts_fields() {
        let w = workload(&service()).unwrap();
        let id = w["workloadId"].as_str().unwrap();
        assert!(id.starts_with("hello-") && id.len() == 18, "{id}");
        let c = &w["workload"]["witWorld"]["components"][0];
        assert_eq!(c["image"], "127.0.0.1:5000/hello@sha256:ab");
        let r = &c["localResources"];
        assert_eq!(r["environment"]["GREETING"], "hi");
        assert_eq!(r["allowedHosts"][0], "api.example.com");
        assert_eq!(r["volumeMounts"][0]["mountPath"], "/data");
        assert_eq!(
            w["workload"]["volumes"][0]["hostPath"]["localPath"],
            "/srv/data"
        );
        let i = &w["workload"]["witWorld"]["hostInterfaces"][0];
        assert_eq!(i["interfaces"][0], "incoming-handler");
        assert_eq!(i["version"], "0.2.12");
        assert_eq!(i["config"]["host"], "hello.local");
    }

    #[test]
    fn the_id_changes_with_the_bytes_or_a_grant_and_not_with_the_reference() {
        let id = |s: &Service| workload(s).unwrap()["workloadId"].clone();
        let base = id(&service());
        let elsewhere = Service {
            image: "127.0.0.1:5000/hello@sha256:cd".into(),
            ..service()
        };
        assert_eq!(id(&elsewhere), base);
        let other_bytes = Service {
            version: "sha256:ff".into(),
            ..service()
        };
        assert_ne!(id(&other_bytes), base);
        let other_grant = Service {
            outgoing_http: vec!["api.example.org".into()],
            ..service()
        };
        assert_ne!(id(&other_grant), base);
    }

    #[test]
    fn what_the_host_cannot_enforce_is_refused() {
        let cases = [
            Service {
                dirs: vec![ServiceDir {
                    host: "/srv".into(),
                    guest: "/srv".into(),
                    writable: false,
                }],
                ..service()
            },
            Service {
                network: vec!["127.0.0.1:80".into()],
                ..service()
            },
            Service {
                name_lookup: true,
                ..service()
            },
            Service {
                timeout: Some(Duration::from_secs(1)),
                ..service()
            },
            Service {
                fuel: Some(1),
                ..service()
            },
            Service {
                max_memory: Some(16 << 20),
                ..service()
            },
        ];
        for case in cases {
            let error = workload(&case).unwrap_err();
            assert!(
                matches!(error, DeployError::Unsupported { .. }),
                "{error:?}"
            );
        }
    }
}
