//! What the host of the result provides, and the checks that what a composition leaves for
//! it is something it can give: WASI of a version the runtime implements, interfaces of types
//! only, and the imports the manifest says the host provides.

use compose_wit::names::{is_wasi, split_version};

use crate::part::ItemClass;
use crate::{Composition, LinkError};

/// The host a composition is made for.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// The WASI 0.2 version its runtime implements, `(0, 2, 12)`; `None` accepts any.
    pub wasi: Option<(u64, u64, u64)>,
    /// Another WASI version it implements beside it (WASI 0.3, `(0, 3, 0)`), if any.
    pub wasi_next: Option<(u64, u64, u64)>,
    /// Non-WASI imports it provides (`[compose] host-imports`).
    pub provides: Vec<String>,
}

/// The patches of a WASI release the runtime runs: `0.2.0 to 0.2.12`, or `0.3.0` alone.
fn patches((major, minor, patch): (u64, u64, u64)) -> String {
    match patch {
        0 => format!("{major}.{minor}.0"),
        _ => format!("{major}.{minor}.0 to {major}.{minor}.{patch}"),
    }
}

impl Composition {
    /// Refuses a planned composition that leaves the host something it cannot give: a WASI
    /// version the runtime does not implement (another major or minor, a newer patch; older
    /// 0.2 patches compose together), or an import nobody exports that is not WASI, not an
    /// interface of types only, and not one the host provides.
    pub fn check_host(&self, host: &Host) -> Result<(), LinkError> {
        if let Some((major, minor, patch)) = host.wasi {
            for part in self.planned() {
                for import in part.imports.iter().filter(|i| is_wasi(&i.name)) {
                    let Some(version) = split_version(&import.name).1 else {
                        continue;
                    };
                    let mut nums = version.split(['.', '-']).map(|p| p.parse::<u64>().ok());
                    let (Some(Some(ma)), Some(Some(mi)), Some(Some(pa))) =
                        (nums.next(), nums.next(), nums.next())
                    else {
                        continue;
                    };
                    let runs =
                        |(ma2, mi2, pa2): (u64, u64, u64)| ma == ma2 && mi == mi2 && pa <= pa2;
                    if !runs((major, minor, patch)) && !host.wasi_next.is_some_and(runs) {
                        let (host_versions, range) = match host.wasi_next {
                            Some(next) => (
                                format!(
                                    "{major}.{minor}.{patch} and {}.{}.{}",
                                    next.0, next.1, next.2
                                ),
                                format!("{}, or {}", patches((major, minor, patch)), patches(next)),
                            ),
                            None => (
                                format!("{major}.{minor}.{patch}"),
                                patches((major, minor, patch)),
                            ),
                        };
                        return Err(LinkError::WasiVersion {
                            component: part.name.clone(),
                            import: import.name.clone(),
                            host: host_versions,
                            range,
                        });
                    }
                }
            }
        }
        for unlinked in self.unlinked() {
            let name = &unlinked.item.name;
            // A type goes with its interface, checked on its own.
            if is_wasi(name)
                || matches!(unlinked.item.class, ItemClass::TypesOnly | ItemClass::Type)
                || host.provides.contains(name)
            {
                continue;
            }
            let close = self.close_exports(name);
            let others: Vec<&str> = self
                .parts()
                .iter()
                .map(|p| p.name.as_str())
                .filter(|n| n != &unlinked.importer)
                .collect();
            let what = match unlinked.item.class {
                ItemClass::Function => "function",
                _ => "interface",
            };
            let help = if close.is_empty() {
                format!(
                    "add a component whose world exports `{name}`{}, or list it under `[compose] host-imports` if the host that runs the result provides it",
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(" (none of {} does)", others.join(", "))
                    }
                )
            } else {
                format!(
                    "close, but not the same: {}. Make the versions and packages agree (in the WIT of the importer or of the exporter), then build again",
                    close.join("; ")
                )
            };
            return Err(LinkError::Unsatisfied {
                importer: unlinked.importer.to_string(),
                what,
                import: name.clone(),
                help,
            });
        }
        Ok(())
    }

    /// Exports that nearly match `import` (`ns:pkg/iface@version`): the same interface at
    /// another version, or an interface of the same name in another package. In words.
    fn close_exports(&self, import: &str) -> Vec<String> {
        let split = |name: &str| -> (String, String, String) {
            let (path, version) = split_version(name);
            let (package, iface) = path.rsplit_once('/').unwrap_or(("", path));
            (
                package.to_string(),
                iface.to_string(),
                version.unwrap_or("").to_string(),
            )
        };
        let (package, iface, version) = split(import);
        let mut out = Vec::new();
        for part in self.parts() {
            for e in &part.exports {
                let (p, i, v) = split(&e.name);
                if p == package && i == iface && v != version {
                    out.push(format!(
                        "component `{}` exports `{}` (another version)",
                        part.name, e.name
                    ));
                } else if i == iface && p != package {
                    out.push(format!(
                        "component `{}` exports `{}` (the same name in another package)",
                        part.name, e.name
                    ));
                }
            }
        }
        out
    }
}
