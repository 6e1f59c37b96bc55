//! The core module of a virtual component, as WebAssembly text written for its grants.
//!
//! Every function of every interface the world exports gets a body: the ones below, or
//! `unreachable` for the methods of resources no function can make (a denied name lookup
//! hands out no stream to call them on). Memory, by address:
//!
//! | at | what |
//! | --- | --- |
//! | 16 | `result::err(access-denied)`, the answer of a denied socket or lookup |
//! | 32 | where the host's answer is written, then the filtered one returned |
//! | 48 | zeros: an empty list, or `none` |
//! | 64 | the host's answer to `open-at` |
//! | 128 | names (of variables, directories, sub-folders) |
//! | after | the heap, a bump allocator for what the host hands over |

use std::fmt::Write;

use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{Resolve, WorldId, WorldItem};

use super::Grants;
use compose_wit::names::split_version;

const DENIED: u32 = 16;
const ANSWER: u32 = 32;
const EMPTY: u32 = 48;
const OPENED: u32 = 64;
const NAMES: u32 = 128;

/// The module's text.
pub(super) fn module(resolve: &Resolve, world: WorldId, grants: &Grants, version: &str) -> String {
    let mut names = Names::default();
    let mut imports = String::new();
    let mut funcs = String::new();
    for (key, item) in &resolve.worlds[world].exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let name = resolve.name_world_key(key);
        let interface = split_version(&name).0;
        for func in resolve.interfaces[*id].functions.values() {
            let sig = resolve.wasm_signature(AbiVariant::GuestExport, func);
            let params: String = sig.params.iter().map(|t| format!(" {}", ty(*t))).collect();
            let results: String = sig.results.iter().map(|t| format!(" {}", ty(*t))).collect();
            let body = body(
                interface,
                &func.name,
                grants,
                version,
                &mut names,
                &mut imports,
            );
            let _ = writeln!(
                funcs,
                "  (func (export \"{name}#{}\") (param{params}) (result{results})\n{body}  )",
                func.name
            );
        }
    }
    let heap = (NAMES + names.bytes.len() as u32 + 15) & !15;
    let mut text = String::from("(module\n");
    text.push_str(&imports);
    let _ = writeln!(text, "  (memory (export \"memory\") 1)");
    let _ = writeln!(text, "  (global $heap (mut i32) (i32.const {heap}))");
    let _ = writeln!(
        text,
        "  (data (i32.const {DENIED}) \"\\01\\00\\00\\00\\01\")"
    );
    let _ = writeln!(
        text,
        "  (data (i32.const {NAMES}) \"{}\")",
        escape(&names.bytes)
    );
    text.push_str(HELPERS);
    text.push_str(&funcs);
    text.push_str(")\n");
    text
}

/// The body of `interface`'s function `func`.
fn body(
    interface: &str,
    func: &str,
    grants: &Grants,
    version: &str,
    names: &mut Names,
    imports: &mut String,
) -> String {
    match (interface, func) {
        ("wasi:cli/environment", "get-environment") if !grants.env.is_empty() => {
            let _ = writeln!(
                imports,
                "  (import \"wasi:cli/environment@{version}\" \"get-environment\" (func $host_get_environment (param i32)))"
            );
            let mut allowed = String::new();
            for var in &grants.env {
                let (at, len) = names.add(var);
                let _ = writeln!(
                    allowed,
                    "          (if (call $equal (i32.load (local.get $entry)) (i32.load offset=4 (local.get $entry)) (i32.const {at}) (i32.const {len})) (then (local.set $keep (i32.const 1))))"
                );
            }
            format!(
                "    (local $base i32) (local $count i32) (local $i i32) (local $kept i32) (local $entry i32) (local $keep i32)
    (call $host_get_environment (i32.const {ANSWER}))
    (local.set $base (i32.load (i32.const {ANSWER})))
    (local.set $count (i32.load (i32.const {ANSWER_LEN})))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $entry (i32.add (local.get $base) (i32.mul (local.get $i) (i32.const 16))))
        (local.set $keep (i32.const 0))
{allowed}        (if (local.get $keep)
          (then
            (memory.copy (i32.add (local.get $base) (i32.mul (local.get $kept) (i32.const 16))) (local.get $entry) (i32.const 16))
            (local.set $kept (i32.add (local.get $kept) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const {ANSWER_LEN}) (local.get $kept))
    (i32.const {ANSWER})
",
                ANSWER_LEN = ANSWER + 4
            )
        }
        // Nothing to read: no variables, no arguments (they are the root's), no directory.
        ("wasi:cli/environment", _) => format!("    (i32.const {EMPTY})\n"),
        ("wasi:filesystem/preopens", "get-directories") if !grants.dirs.is_empty() => {
            directories(grants, version, names, imports)
        }
        ("wasi:filesystem/preopens", "get-directories") => format!("    (i32.const {EMPTY})\n"),
        ("wasi:sockets/tcp-create-socket", _)
        | ("wasi:sockets/udp-create-socket", _)
        | ("wasi:sockets/ip-name-lookup", "resolve-addresses") => {
            format!("    (i32.const {DENIED})\n")
        }
        _ => "    unreachable\n".to_string(),
    }
}

/// `get-directories`: the host's directories that are granted, whole or a sub-folder opened
/// in them; the others are dropped.
fn directories(grants: &Grants, version: &str, names: &mut Names, imports: &mut String) -> String {
    let types = format!("wasi:filesystem/types@{version}");
    let _ = writeln!(
        imports,
        "  (import \"wasi:filesystem/preopens@{version}\" \"get-directories\" (func $host_get_directories (param i32)))"
    );
    let _ = writeln!(
        imports,
        "  (import \"{types}\" \"[resource-drop]descriptor\" (func $drop_descriptor (param i32)))"
    );
    if grants.dirs.iter().any(|d| !d.sub.is_empty()) {
        let _ = writeln!(
            imports,
            "  (import \"{types}\" \"[method]descriptor.open-at\" (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))"
        );
    }
    let mut each = String::new();
    for dir in &grants.dirs {
        let (at, len) = names.add(&dir.preopen);
        let (seen_at, seen_len) = names.add(&dir.seen_as());
        let give = if dir.sub.is_empty() {
            format!(
                "(local.set $used (i32.const 1))
            (call $give (local.get $handle) (i32.const {seen_at}) (i32.const {seen_len}))"
            )
        } else {
            let (sub_at, sub_len) = names.add(&dir.sub);
            // open-at(no symlink following, the sub-folder, open-flags: directory,
            // descriptor-flags: read); the folder's write permission is the run's.
            format!(
                "(call $open_at (local.get $handle) (i32.const 0) (i32.const {sub_at}) (i32.const {sub_len}) (i32.const 2) (i32.const 1) (i32.const {OPENED}))
            (if (i32.eqz (i32.load8_u (i32.const {OPENED})))
              (then (call $give (i32.load (i32.const {OPENED_HANDLE})) (i32.const {seen_at}) (i32.const {seen_len}))))",
                OPENED_HANDLE = OPENED + 4
            )
        };
        let _ = writeln!(
            each,
            "        (if (call $equal (local.get $name) (local.get $name_len) (i32.const {at}) (i32.const {len}))
          (then
            {give}))"
        );
    }
    let room = 12 * grants.dirs.len();
    format!(
        "    (local $base i32) (local $count i32) (local $i i32) (local $entry i32) (local $handle i32) (local $name i32) (local $name_len i32) (local $used i32)
    (call $host_get_directories (i32.const {ANSWER}))
    (local.set $base (i32.load (i32.const {ANSWER})))
    (local.set $count (i32.load (i32.const {ANSWER_LEN})))
    (global.set $out (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const {room})))
    (global.set $given (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $entry (i32.add (local.get $base) (i32.mul (local.get $i) (i32.const 12))))
        (local.set $handle (i32.load (local.get $entry)))
        (local.set $name (i32.load offset=4 (local.get $entry)))
        (local.set $name_len (i32.load offset=8 (local.get $entry)))
        (local.set $used (i32.const 0))
{each}        (if (i32.eqz (local.get $used)) (then (call $drop_descriptor (local.get $handle))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const {ANSWER}) (global.get $out))
    (i32.store (i32.const {ANSWER_LEN}) (global.get $given))
    (i32.const {ANSWER})
",
        ANSWER_LEN = ANSWER + 4
    )
}

/// The allocator the host writes its answers with, byte comparison, and appending a
/// directory to the answer of `get-directories`.
const HELPERS: &str = r#"  (global $out (mut i32) (i32.const 0))
  (global $given (mut i32) (i32.const 0))
  (func $cabi_realloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $at i32)
    (local.set $at (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1))) (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $at) (local.get $size)))
    (block $enough
      (loop $grow
        (br_if $enough (i32.le_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
        (br $grow)))
    (if (local.get $old_size) (then (memory.copy (local.get $at) (local.get $old) (local.get $old_size))))
    (local.get $at))
  (func $equal (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $a_len) (local.get $b_len)) (then (return (i32.const 0))))
    (block $differ
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $a_len)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.load8_u (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))
  (func $give (param $handle i32) (param $name i32) (param $name_len i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $out) (i32.mul (global.get $given) (i32.const 12))))
    (i32.store (local.get $at) (local.get $handle))
    (i32.store offset=4 (local.get $at) (local.get $name))
    (i32.store offset=8 (local.get $at) (local.get $name_len))
    (global.set $given (i32.add (global.get $given) (i32.const 1))))
"#;

/// Names kept in the module's data, each added once.
#[derive(Default)]
struct Names {
    bytes: Vec<u8>,
}

impl Names {
    /// Where `name` is, and its length.
    fn add(&mut self, name: &str) -> (u32, u32) {
        let at = NAMES + self.bytes.len() as u32;
        self.bytes.extend_from_slice(name.as_bytes());
        (at, name.len() as u32)
    }
}

fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

fn ty(t: WasmType) -> &'static str {
    match t {
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
        _ => "i32",
    }
}
