//! Starting points for a new component of a world, per language: the files a user edits,
//! with every export present and not yet implemented. Generated bindings are not part of
//! them: builds regenerate those every time.

use std::path::Path;

use compose_wit::wit_parser::{Resolve, WorldId, WorldItem};

use crate::Language;

/// The files of a new `language` component for `world`: (path in the component's folder,
/// contents). `wit_from_component` is the project's WIT folder seen from the component's.
pub fn component_stub(
    language: Language,
    resolve: &Resolve,
    world: WorldId,
    wit_from_component: &Path,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let w = &resolve.worlds[world];
    let has_exports = !w.exports.is_empty();
    let world_name = w.name.clone();
    Ok(match language {
        Language::Rust => rust(&world_name, has_exports, wit_from_component),
        Language::Go if has_exports => crate::go::export_stubs(resolve, world)?,
        Language::Go => vec![(
            "main.go".into(),
            b"// A command: `main` runs when the component runs.\npackage main\n\nfunc main() {\n\t// TODO: call the imports of the world (package wit_component/<ns>_<pkg>_<iface>).\n}\n".to_vec(),
        )],
        Language::C => c(resolve, world, &world_name)?,
        Language::Python => vec![("app.py".into(), python(resolve, world).into_bytes())],
        Language::Wasm => anyhow::bail!("a prebuilt component has no sources to start from"),
    })
}

fn rust(world: &str, library: bool, wit: &Path) -> Vec<(String, Vec<u8>)> {
    let wit = wit.display().to_string().replace('\\', "/");
    let crate_type = if library {
        "\n[lib]\ncrate-type = [\"cdylib\"]\n"
    } else {
        ""
    };
    let cargo = format!(
        "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n{crate_type}\n[dependencies]\nwit-bindgen = \"0.63\"\n\n# Built by `compose build` for wasm32-wasip2.\n[workspace]\n",
        world.replace('-', "_")
    );
    let (file, code) = if library {
        (
            "src/lib.rs",
            format!(
                "// `stubs` implements every export of the world with a panic, so this builds as it is.\n// To implement them, replace `stubs` by your own type:\n//     struct Component;\n//     impl exports::<ns>::<pkg>::<iface>::Guest for Component {{ ... }}\n//     export!(Component);\nwit_bindgen::generate!({{ path: \"{wit}\", world: \"{world}\", stubs }});\n"
            ),
        )
    } else {
        (
            "src/main.rs",
            format!("wit_bindgen::generate!({{ path: \"{wit}\", world: \"{world}\" }});\n\nfn main() {{\n    // TODO: call the imports of the world.\n}}\n"),
        )
    };
    vec![
        ("Cargo.toml".into(), cargo.into_bytes()),
        (file.into(), code.into_bytes()),
    ]
}

/// One `.c` file defining every exported function the generated header declares.
fn c(
    resolve: &Resolve,
    world: WorldId,
    world_name: &str,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let header_name = format!("{}.h", world_name.replace('-', "_"));
    let files = crate::c::generate(resolve, world)?;
    let header = files
        .iter()
        .find(|(n, _)| *n == header_name)
        .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        .unwrap_or_default();
    let declarations: Vec<&str> = header
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("extern") && l.ends_with(");") && l.contains(" exports_"))
        .collect();
    let mut code = format!("#include \"{header_name}\"\n\n");
    if declarations.is_empty() {
        code.push_str("// A command: `main` runs when the component runs.\nint main(void) {\n    // TODO: call the imports of the world.\n    return 0;\n}\n");
    } else {
        code = format!(
            "// Exported functions own their arguments: free them when done.\n#include <stdio.h>\n#include <stdlib.h>\n\n{code}"
        );
        for d in declarations {
            let name = d
                .split('(')
                .next()
                .unwrap_or(d)
                .split_whitespace()
                .last()
                .unwrap_or(d);
            // Like the other languages' stubs: calling what is not written yet traps.
            code.push_str(&format!(
                "{} {{\n    // TODO: implement\n    fprintf(stderr, \"not implemented: {name}\\n\");\n    abort();\n}}\n\n",
                d.trim_end_matches(';')
            ));
        }
    }
    Ok(vec![(
        format!("{}.c", world_name.replace('-', "_")),
        code.into_bytes(),
    )])
}

/// `app.py` with a class per exported interface and a method per function.
fn python(resolve: &Resolve, world: WorldId) -> String {
    let mut code = String::from("from wit_world import exports\n\n");
    let mut any = false;
    for item in resolve.worlds[world].exports.values() {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let iface = &resolve.interfaces[*id];
        let Some(name) = &iface.name else { continue };
        any = true;
        let class = upper_camel(name);
        code.push_str(&format!("\nclass {class}(exports.{class}):\n"));
        for (fname, func) in &iface.functions {
            let params: Vec<String> = func.params.iter().map(|p| snake(&p.name)).collect();
            let params = std::iter::once("self".to_string())
                .chain(params)
                .collect::<Vec<_>>()
                .join(", ");
            code.push_str(&format!(
                "    def {}({params}):\n        raise NotImplementedError(\"{name}.{fname}\")\n\n",
                snake(fname)
            ));
        }
    }
    if !any {
        code.push_str("# The world exports nothing to implement.\n");
    }
    code
}

fn upper_camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn snake(kebab: &str) -> String {
    kebab.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> (Resolve, WorldId) {
        let mut resolve = Resolve::default();
        let pkg = resolve
            .push_str(
                "t.wit",
                "package demo:x@0.1.0;\ninterface text-tools { shout: func(the-text: string) -> string; count: func(t: string) -> u32; }\nworld lib { export text-tools; }\n",
            )
            .unwrap();
        let w = resolve.select_world(&[pkg], Some("lib")).unwrap();
        (resolve, w)
    }

    #[test]
    fn stubs_name_every_export() {
        let (resolve, w) = world();
        let py = python(&resolve, w);
        assert!(py.contains("class TextTools(exports.TextTools):"), "{py}");
        assert!(py.contains("def shout(self, the_text):"), "{py}");
        let c = c(&resolve, w, "lib").unwrap();
        let text = String::from_utf8_lossy(&c[0].1);
        assert!(
            text.contains("uint32_t exports_demo_x_text_tools_count(lib_string_t *t) {"),
            "{text}"
        );
        let go = crate::go::export_stubs(&resolve, w).unwrap();
        assert!(
            go.iter()
                .any(|(n, _)| n.starts_with("export_demo_x_text_tools/")),
            "{go:?}"
        );
    }
}
