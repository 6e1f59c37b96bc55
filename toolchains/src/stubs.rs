//! Starting points for a new component of a world, per language: the files a user edits,
//! with every export present and not yet implemented. Generated bindings are not part of
//! them: builds regenerate those every time.

use std::path::Path;

use compose_wit::wit_parser::{Function, FunctionKind, Resolve, TypeId, WorldId, WorldItem};

use crate::Language;

/// The files of a new `language` component for `world`: (path in the component's folder,
/// contents), for component `name` (a Rust crate is named after it). `wit_from_component` is the project's WIT folder seen from the component's.
pub fn component_stub(
    name: &str,
    language: Language,
    resolve: &Resolve,
    world: WorldId,
    wit_from_component: &Path,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let w = &resolve.worlds[world];
    let has_exports = !w.exports.is_empty();
    let world_name = w.name.clone();
    Ok(match language {
        Language::Rust => rust(name, &world_name, has_exports, wit_from_component),
        Language::Go if has_exports => crate::go::export_stubs(resolve, world)?,
        Language::Go => vec![(
            "main.go".into(),
            b"// A command: `main` runs when the component runs.\npackage main\n\nfunc main() {\n\t// TODO: call the imports of the world (package wit_component/<ns>_<pkg>_<iface>).\n}\n".to_vec(),
        )],
        Language::C => c(resolve, world, &world_name)?,
        Language::Python => python(resolve, world),
        Language::Wasm => anyhow::bail!("a prebuilt component has no sources to start from"),
    })
}

fn rust(name: &str, world: &str, library: bool, wit: &Path) -> Vec<(String, Vec<u8>)> {
    let wit = wit.display().to_string().replace('\\', "/");
    let crate_type = if library {
        "\n[lib]\ncrate-type = [\"cdylib\"]\n"
    } else {
        ""
    };
    let cargo = format!(
        "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n{crate_type}\n[dependencies]\nwit-bindgen = \"0.63\"\n\n# Built by `compose build` for wasm32-wasip2.\n[workspace]\n",
        name
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

/// One `.c` file defining every exported function the generated header declares, the
/// exported resources' structs and their destructors: `lib.c` for a library, `main.c` for a
/// command. Never named like the generated `<world>.c`.
fn c(
    resolve: &Resolve,
    world: WorldId,
    world_name: &str,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let header_name = format!("{}.h", world_name.replace('-', "_"));
    let files = crate::c::generate(resolve, world, &crate::BindingOptions::default())?;
    let header = files
        .iter()
        .find(|(n, _)| *n == header_name)
        .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        .unwrap_or_default();
    let exports = CHeaderExports::scan(&header);
    let include = format!("#include \"{header_name}\"\n\n");
    if exports.functions.is_empty() {
        let code = format!("{include}// A command: `main` runs when the component runs.\nint main(void) {{\n    // TODO: call the imports of the world.\n    return 0;\n}}\n");
        return Ok(vec![("main.c".into(), code.into_bytes())]);
    }
    let mut code = format!(
        "// Exported functions own their arguments: free them when done.\n#include <stdio.h>\n#include <stdlib.h>\n\n{include}"
    );
    for name in &exports.resources {
        code.push_str(&format!(
            "// The state behind a handle: made by the constructor, freed by the destructor.\nstruct {name} {{\n    // TODO: the resource's fields\n    int unused;\n}};\n\n"
        ));
    }
    for d in &exports.destructors {
        code.push_str(&format!(
            "{} {{\n    free(rep);\n}}\n\n",
            d.trim_end_matches(';')
        ));
    }
    for d in &exports.functions {
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
    Ok(vec![("lib.c".into(), code.into_bytes())])
}

/// What a user writes for a `wit-bindgen-c` header: the functions under its
/// `// Exported Functions from` sections, the exported resources' structs (declared, never
/// defined) and their destructors.
#[derive(Default)]
struct CHeaderExports<'a> {
    functions: Vec<&'a str>,
    resources: Vec<&'a str>,
    destructors: Vec<&'a str>,
}

impl<'a> CHeaderExports<'a> {
    fn scan(header: &'a str) -> Self {
        let mut found = Self::default();
        let mut in_exports = false;
        for line in header.lines().map(str::trim) {
            if line.starts_with("// Exported Functions from") {
                in_exports = true;
                continue;
            }
            if line.is_empty() || line.starts_with("//") {
                in_exports = false;
                continue;
            }
            if in_exports && line.ends_with(");") {
                found.functions.push(line);
            } else if !line.starts_with("extern") && line.contains("_destructor(") {
                found.destructors.push(line);
            } else if let Some(name) = opaque_struct(line) {
                if name.starts_with("exports_") {
                    found.resources.push(name);
                }
            }
        }
        found
    }
}

/// `NAME` of `typedef struct NAME NAME;`.
fn opaque_struct(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("typedef struct ")?.strip_suffix(';')?;
    let (a, b) = rest.split_once(' ')?;
    (a == b).then_some(a)
}

/// `app.py` with a class per exported interface and a method per function, and for an
/// interface with resources, `<interface>.py` with a class per resource: componentize-py
/// looks for the resources' implementations in a module named after their interface.
fn python(resolve: &Resolve, world: WorldId) -> Vec<(String, Vec<u8>)> {
    let mut app = String::from("from wit_world import exports\n\n");
    let mut files = Vec::new();
    for item in resolve.worlds[world].exports.values() {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let iface = &resolve.interfaces[*id];
        let Some(name) = &iface.name else { continue };
        let class = upper_camel(name);
        app.push_str(&format!("\nclass {class}(exports.{class}):\n"));
        let mut resources: Vec<(TypeId, String)> = Vec::new();
        let mut any_function = false;
        for (fname, func) in &iface.functions {
            match func.kind.resource() {
                Some(ty) => {
                    if !resources.iter().any(|(t, _)| *t == ty) {
                        resources.push((ty, String::new()));
                    }
                    let (_, body) = resources.iter_mut().find(|(t, _)| *t == ty).unwrap();
                    body.push_str(&python_resource_function(func, &format!("{name}.{fname}")));
                }
                None => {
                    any_function = true;
                    let params = python_params(func.params.iter().map(|p| p.name.as_str()));
                    app.push_str(&format!(
                        "    def {}({params}):\n        raise NotImplementedError(\"{name}.{fname}\")\n\n",
                        snake(fname)
                    ));
                }
            }
        }
        if !any_function {
            app.push_str("    pass\n\n");
        }
        if !resources.is_empty() {
            let module = snake(name);
            let mut code = format!(
                "\"\"\"The resources of `{name}`: componentize-py finds them in this module.\"\"\"\n\nfrom wit_world.exports import {module} as bindings\n"
            );
            for (ty, body) in resources {
                let rname = resolve.types[ty].name.as_deref().unwrap_or("resource");
                let rclass = upper_camel(rname);
                code.push_str(&format!("\n\nclass {rclass}(bindings.{rclass}):\n{body}"));
            }
            files.push((format!("{module}.py"), code.trim_end().to_string() + "\n"));
        }
    }
    // Functions of the world itself: componentize-py calls them on `WitWorld`.
    let functions: Vec<&Function> = resolve.worlds[world]
        .exports
        .values()
        .filter_map(|item| match item {
            WorldItem::Function(f) => Some(f),
            _ => None,
        })
        .collect();
    if !functions.is_empty() {
        app = app.replacen(
            "from wit_world import exports\n",
            "import wit_world\nfrom wit_world import exports\n",
            1,
        );
        app.push_str("\nclass WitWorld(wit_world.WitWorld):\n");
        for func in functions {
            let params = python_params(func.params.iter().map(|p| p.name.as_str()));
            app.push_str(&format!(
                "    def {}({params}):\n        raise NotImplementedError(\"{}\")\n\n",
                snake(&func.name),
                func.name
            ));
        }
    }
    if resolve.worlds[world].exports.is_empty() {
        app.push_str("# The world exports nothing to implement.\n");
    }
    files.insert(0, ("app.py".to_string(), app));
    files
        .into_iter()
        .map(|(n, c)| (n, c.into_bytes()))
        .collect()
}

/// A method of a resource class: `__init__` for the constructor, a static method, or a
/// method (whose `self` parameter is Python's `self`).
fn python_resource_function(func: &Function, what: &str) -> String {
    let rest = || func.params.iter().skip(1).map(|p| p.name.as_str());
    let all = || func.params.iter().map(|p| p.name.as_str());
    let (decorator, method, params) = match func.kind {
        FunctionKind::Constructor(_) => ("", "__init__".to_string(), python_params(all())),
        FunctionKind::Static(_) | FunctionKind::AsyncStatic(_) => (
            "    @staticmethod\n",
            snake(func.item_name()),
            all().map(snake).collect::<Vec<_>>().join(", "),
        ),
        _ => ("", snake(func.item_name()), python_params(rest())),
    };
    format!(
        "{decorator}    def {method}({params}):\n        raise NotImplementedError(\"{what}\")\n\n"
    )
}

fn python_params<'a>(names: impl Iterator<Item = &'a str>) -> String {
    std::iter::once("self".to_string())
        .chain(names.map(snake))
        .collect::<Vec<_>>()
        .join(", ")
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
        let py = String::from_utf8(python(&resolve, w).remove(0).1).unwrap();
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

    #[test]
    fn functions_of_the_world_get_a_python_wit_world_class() {
        let mut resolve = Resolve::default();
        let pkg = resolve
            .push_str(
                "t.wit",
                "package demo:x@0.1.0;\nworld lib { export next-id: func(prefix: string) -> string; }\n",
            )
            .unwrap();
        let w = resolve.select_world(&[pkg], Some("lib")).unwrap();
        let py = String::from_utf8(python(&resolve, w).remove(0).1).unwrap();
        assert!(py.starts_with("import wit_world\n"), "{py}");
        assert!(py.contains("class WitWorld(wit_world.WitWorld):"), "{py}");
        assert!(py.contains("def next_id(self, prefix):"), "{py}");
    }

    #[test]
    fn resources_get_classes_structs_and_destructors() {
        let mut resolve = Resolve::default();
        let pkg = resolve
            .push_str(
                "t.wit",
                "package demo:x@0.1.0;\ninterface tally { resource counter { constructor(start: u64); bump: func(by: u32) -> u64; zero: static func() -> counter; } peek: func(c: borrow<counter>) -> u64; }\nworld lib { export tally; }\n",
            )
            .unwrap();
        let w = resolve.select_world(&[pkg], Some("lib")).unwrap();
        let py = python(&resolve, w);
        let text = |i: usize| String::from_utf8_lossy(&py[i].1).into_owned();
        assert_eq!(py[1].0, "tally.py");
        assert!(text(0).contains("def peek(self, c):"), "{}", text(0));
        assert!(!text(0).contains("counter"), "{}", text(0));
        let module = text(1);
        assert!(
            module.contains("class Counter(bindings.Counter):"),
            "{module}"
        );
        assert!(module.contains("def __init__(self, start):"), "{module}");
        assert!(module.contains("def bump(self, by):"), "{module}");
        assert!(
            module.contains("@staticmethod\n    def zero():"),
            "{module}"
        );

        let c = c(&resolve, w, "lib").unwrap();
        assert_eq!(c[0].0, "lib.c");
        let code = String::from_utf8_lossy(&c[0].1);
        assert!(
            code.contains("struct exports_demo_x_tally_counter_t {"),
            "{code}"
        );
        assert!(
            code.contains("void exports_demo_x_tally_counter_destructor(exports_demo_x_tally_counter_t *rep) {\n    free(rep);"),
            "{code}"
        );
        assert!(
            code.contains("exports_demo_x_tally_constructor_counter(uint64_t start) {"),
            "{code}"
        );
        // The bindings' own helpers are not the user's to write.
        assert!(!code.contains("_free("), "{code}");
    }
}
