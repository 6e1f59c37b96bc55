use super::*;
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::ManglingAndAbi;

/// A component implementing `world` of `wit` (every function traps; only its type matters).
fn component(wit: &str, world: &str) -> Vec<u8> {
    let (resolve, w) = world_of(wit, world);
    let mut module = wit_component::dummy_module(&resolve, w, ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(&mut module, &resolve, w, StringEncoding::UTF8)
        .unwrap();
    ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

fn world_of(wit: &str, world: &str) -> (Resolve, WorldId) {
    let mut resolve = Resolve::default();
    let pkg = resolve.push_str("t.wit", wit).unwrap();
    let w = resolve.select_world(&[pkg], Some(world)).unwrap();
    (resolve, w)
}

/// The mismatches of a component built from `have` against world `w` of `want`, in words.
fn mismatches(want: &str, have: &str) -> Vec<String> {
    let bytes = component(have, "w");
    let (resolve, world) = world_of(want, "w");
    check(&bytes, "c", &resolve, world)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const PERSON: &str = "package demo:x@0.1.0;\n\
    interface i {\n\
      record person { name: string, age: u32 }\n\
      variant shape { circle(f64), square(f64), dot }\n\
      enum color { red, green }\n\
      flags perms { read, write, exec }\n\
      resource counter { constructor(start: u32); bump: func(by: u32) -> u32; }\n\
      greet: func(who: person) -> string;\n\
      area: func(s: shape) -> f64;\n\
      paint: func(c: color, p: perms);\n\
    }\n\
    world w { export i; }\n";

#[test]
fn the_same_world_fits() {
    assert_eq!(mismatches(PERSON, PERSON), Vec::<String>::new());
}

#[test]
fn a_record_field_the_world_lacks_is_found_by_type() {
    let have = PERSON.replace("age: u32 }", "age: u32, nickname: string }");
    let found = mismatches(PERSON, &have);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("`greet` in `demo:x/i@0.1.0`")
            && found[0].contains(
                "record `person`: the component has field `nickname: string`, the world does not"
            ),
        "{found:#?}"
    );
}

#[test]
fn a_retyped_field_names_both_types() {
    let found = mismatches(PERSON, &PERSON.replace("age: u32", "age: u64"));
    assert!(
        found[0]
            .contains("record `person`, field `age`: the world has `u32`, the component has `u64`"),
        "{found:#?}"
    );
}

#[test]
fn a_renamed_variant_case_is_a_rename() {
    let found = mismatches(PERSON, &PERSON.replace("square(f64)", "rect(f64)"));
    assert!(
        found[0].contains(
            "variant `shape`: case `square` in the world is case `rect` in the component"
        ),
        "{found:#?}"
    );
}

#[test]
fn an_added_enum_case_and_a_removed_flag_are_found() {
    let have = PERSON
        .replace(
            "enum color { red, green }",
            "enum color { red, green, blue }",
        )
        .replace(
            "flags perms { read, write, exec }",
            "flags perms { read, write }",
        );
    let found = mismatches(PERSON, &have).join("\n");
    assert!(
        found.contains("enum `color`: the component has case `blue`, the world does not"),
        "{found}"
    );
    assert!(
        found.contains("flags `perms`: the world has flag `exec`, the component does not"),
        "{found}"
    );
}

#[test]
fn a_changed_resource_method_is_found() {
    let found = mismatches(
        PERSON,
        &PERSON.replace("bump: func(by: u32) -> u32", "bump: func(by: u64) -> u32"),
    );
    assert!(
        found[0].contains("`[method]counter.bump`")
            && found[0].contains("parameter `by` of `[method]counter.bump`: the world has `u32`, the component has `u64`"),
        "{found:#?}"
    );
}

#[test]
fn missing_export_and_extra_import_are_found() {
    let want = "package demo:x@0.1.0;\ninterface i { f: func() -> u32; }\ninterface k { k: func(); }\nworld w { export k; }\n";
    let have = "package demo:x@0.1.0;\ninterface i { f: func() -> u32; }\ninterface k { k: func(); }\ninterface j { h: func(); }\nworld w { export i; import j; }\n";
    let found = mismatches(want, have);
    assert_eq!(
        found,
        vec![
            "the world exports `demo:x/k@0.1.0`, the component does not".to_string(),
            "the component imports `demo:x/j@0.1.0`, which its world does not import".to_string(),
        ]
    );
}

#[test]
fn an_imported_function_the_world_lacks_is_found() {
    let want = "package demo:x@0.1.0;\ninterface j { h: func(); }\nworld w { import j; }\n";
    let have =
        "package demo:x@0.1.0;\ninterface j { h: func(); g: func(); }\nworld w { import j; }\n";
    let found = mismatches(want, have);
    assert_eq!(
        found,
        vec!["the component imports function `g` of `demo:x/j@0.1.0`, which the world's `demo:x/j@0.1.0` does not have".to_string()]
    );
}

#[test]
fn world_level_functions_are_compared() {
    let want = "package demo:x@0.1.0;\nworld w { export next: func(p: string) -> string; }\n";
    let have = "package demo:x@0.1.0;\nworld w { export next: func(p: string) -> u32; }\n";
    let found = mismatches(want, have);
    assert!(
        found[0].contains("the result of `next`: the world has `string`, the component has `u32`"),
        "{found:#?}"
    );
}

#[test]
fn extra_exports_are_allowed() {
    let want = "package demo:x@0.1.0;\ninterface i { f: func(); }\nworld w { export i; }\n";
    let have = "package demo:x@0.1.0;\ninterface i { f: func(); g: func(); }\ninterface k { k: func(); }\nworld w { export i; export k; }\n";
    assert_eq!(mismatches(want, have), Vec::<String>::new());
}

#[test]
fn the_component_models_own_check_is_asked() {
    let (want, world) = world_of(PERSON, "w");
    let ask = |have: &str| {
        let bytes = component(have, "w");
        let (resolve, cw) = crate::decode::component_world(&bytes, "c").unwrap();
        authority(&want, world, &resolve, cw, &bytes)
    };
    assert!(ask(PERSON).is_ok());
    match ask(&PERSON.replace("age: u32", "age: u64")) {
        Err(Authority::Refused(message)) => assert!(message.contains("type mismatch"), "{message}"),
        Err(Authority::Unavailable) => panic!("the check could not be asked"),
        Ok(()) => panic!("a retyped field passed"),
    }
}

#[test]
fn resources_used_from_another_interface_compare_equal() {
    let wit = "package demo:x@0.1.0;\n\
        interface counters { resource counter { constructor(start: f64); value: func() -> f64; } }\n\
        interface ops { use counters.{counter}; total: func(cs: list<borrow<counter>>) -> f64; spawn: func(n: u32) -> list<counter>; }\n\
        world w { import counters; export ops; }\n";
    assert_eq!(mismatches(wit, wit), Vec::<String>::new());
    let (want, world) = world_of(wit, "w");
    let bytes = component(wit, "w");
    let (resolve, cw) = crate::decode::component_world(&bytes, "c").unwrap();
    assert!(compare_worlds(&want, world, &resolve, cw).is_empty());
    assert!(authority(&want, world, &resolve, cw, &bytes).is_ok());
}
