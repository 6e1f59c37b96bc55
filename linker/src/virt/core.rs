//! The core module of a virtual component, as WebAssembly text written for its grants.
//!
//! Every function of every interface the world exports gets a body: a denial, a narrowing
//! (below), the host's function forwarded ([`super::forward`]), or `unreachable` for the
//! methods of resources nothing can make (a denied file system hands out no descriptor to
//! call them on). Memory, by address:
//!
//! | at | what |
//! | --- | --- |
//! | 16 | `result::err(access-denied)`, the answer of a denied socket or lookup |
//! | 32 | where the host's answer is written, then returned (forwarded calls too) |
//! | 96 | zeros: an empty list, `none`, `ok` with nothing or zero in it |
//! | 128 | the host's answer to `open-at` of a granted sub-folder |
//! | 256 | names (of variables, directories, sub-folders) and fixed answers |
//! | after | the heap, a bump allocator for what the host and callers hand over, emptied after each call |

use std::collections::HashMap;
use std::fmt::Write;

use wit_parser::{Function, Resolve, TypeId, WorldId, WorldItem};

use super::forward::{ty, Call, Forwarder};
use super::{Confining, Grants, Reach};
use compose_wit::names::split_version;

const DENIED: u32 = 16;
const ANSWER: u32 = 32;
const ZEROS: u32 = 96;
const OPENED: u32 = 128;
const DATA: u32 = 256;

/// The module's text.
pub(super) fn module(
    resolve: &Resolve,
    world: WorldId,
    grants: &Grants,
    confining: &Confining,
    version: &str,
) -> Result<String, String> {
    let exported: Vec<_> = resolve.worlds[world]
        .exports
        .values()
        .filter_map(|item| match item {
            WorldItem::Interface { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let mut m = Module {
        forwarder: Forwarder::new(resolve, &exported),
        imports: Imports::default(),
        data: Data::default(),
        funcs: String::new(),
        version: version.to_string(),
        new_resource: HashMap::new(),
    };
    // Each wrapped resource: made with `[resource-new]`, its host handle dropped with it.
    for (key, item) in &resolve.worlds[world].exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let name = resolve.name_world_key(key);
        let forwarded = confining.reach(&name) != Reach::Denied;
        for (resource_name, ty) in &resolve.interfaces[*id].types {
            if !matches!(resolve.types[*ty].kind, wit_parser::TypeDefKind::Resource) {
                continue;
            }
            let new = m.imports.func(
                &format!("[export]{name}"),
                &format!("[resource-new]{resource_name}"),
                "(param i32) (result i32)",
            );
            m.new_resource.insert(*ty, new);
            if forwarded {
                let drop = m.imports.func(
                    &name,
                    &format!("[resource-drop]{resource_name}"),
                    "(param i32)",
                );
                let _ = writeln!(
                    m.funcs,
                    "  (func (export \"{name}#[dtor]{resource_name}\") (param i32)
    (if (i32.shr_u (local.get 0) (i32.const 1)) (then (call {drop} (i32.shr_u (local.get 0) (i32.const 1))))))"
                );
            }
        }
    }
    for (key, item) in &resolve.worlds[world].exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let name = resolve.name_world_key(key);
        let reach = confining.reach(&name);
        for func in resolve.interfaces[*id].functions.values() {
            let sig = m.forwarder.export_signature(func);
            let body = m.body(&name, func, reach, grants, confining)?;
            let _ = writeln!(
                m.funcs,
                "  (func (export \"{name}#{}\") {}\n{body}  )",
                func.name,
                sig.text()
            );
            // What the call allocated is dead once its caller has read the answer.
            let results: String = sig.results.iter().map(|t| format!(" {}", ty(*t))).collect();
            let _ = writeln!(
                m.funcs,
                "  (func (export \"cabi_post_{name}#{}\") (param{results}) (global.set $heap (i32.const {{HEAP}})))",
                func.name
            );
        }
    }
    let ready = if confining.streams {
        let subscribe = m.imports.func(
            &format!("wasi:clocks/monotonic-clock@{version}"),
            "subscribe-duration",
            "(param i64) (result i32)",
        );
        format!("  (func $ready (result i32) (call {subscribe} (i64.const 0)))\n")
    } else {
        String::new()
    };
    let heap = (DATA + m.data.bytes.len() as u32 + 15) & !15;
    let mut text = String::from("(module\n");
    text.push_str(&m.imports.text);
    let _ = writeln!(text, "  (memory (export \"memory\") 1)");
    let _ = writeln!(text, "  (global $heap (mut i32) (i32.const {heap}))");
    let _ = writeln!(
        text,
        "  (data (i32.const {DENIED}) \"\\01\\00\\00\\00\\01\")"
    );
    let _ = writeln!(
        text,
        "  (data (i32.const {DATA}) \"{}\")",
        escape(&m.data.bytes)
    );
    text.push_str(HELPERS);
    text.push_str(&ready);
    text.push_str(&m.funcs.replace("{HEAP}", &heap.to_string()));
    text.push_str(")\n");
    Ok(text)
}

struct Module<'a> {
    forwarder: Forwarder<'a>,
    imports: Imports,
    data: Data,
    funcs: String,
    version: String,
    new_resource: HashMap<TypeId, String>,
}

impl Module<'_> {
    /// The body of `interface`'s function `func`.
    fn body(
        &mut self,
        interface: &str,
        func: &Function,
        reach: Reach,
        grants: &Grants,
        confining: &Confining,
    ) -> Result<String, String> {
        let unversioned = split_version(interface).0;
        let name = func.name.as_str();
        Ok(match (unversioned, name, reach) {
            ("wasi:cli/environment", "get-environment", Reach::Narrowed) => {
                self.environment(interface, grants)
            }
            // Nothing to read: no variables, no arguments (they are the root's), no folder.
            ("wasi:cli/environment", _, _) => format!("    (i32.const {ZEROS})\n"),
            ("wasi:filesystem/preopens", _, Reach::Narrowed) => self.directories(grants, confining),
            ("wasi:filesystem/preopens", _, _) => format!("    (i32.const {ZEROS})\n"),
            ("wasi:sockets/tcp-create-socket", _, _)
            | ("wasi:sockets/udp-create-socket", _, _)
            | ("wasi:sockets/ip-name-lookup", "resolve-addresses", _) => {
                format!("    (i32.const {DENIED})\n")
            }
            ("wasi:cli/stdin" | "wasi:cli/stdout" | "wasi:cli/stderr", _, Reach::Denied) => {
                // The virtual component's own stream: rep 0.
                let new = self.new_of_result(func)?;
                format!("    (call {new} (i32.const 0))\n")
            }
            ("wasi:io/streams", _, _) => self.stream(interface, func)?,
            ("wasi:filesystem/types", "filesystem-error-code", Reach::Denied) => {
                format!("    (i32.const {ZEROS})\n")
            }
            ("wasi:filesystem/types", _, Reach::Narrowed | Reach::Forwarded) => {
                self.file(interface, func)?
            }
            (_, _, Reach::Forwarded | Reach::Narrowed) => {
                self.forward(interface, func, "(i32.const 0)")?
            }
            _ => "    unreachable\n".to_string(),
        })
    }

    fn forward(&mut self, interface: &str, func: &Function, mark: &str) -> Result<String, String> {
        let signature = self.forwarder.import_signature(func).0.text();
        let host = self.imports.func(interface, &func.name, &signature);
        self.forwarder.body(
            func,
            &Call {
                host: &host,
                answer: ANSWER,
                mark,
                new_resource: &self.new_resource,
            },
        )
    }

    /// `[resource-new]` of the resource `func` returns.
    fn new_of_result(&self, func: &Function) -> Result<String, String> {
        func.result
            .as_ref()
            .and_then(|t| self.forwarder.resource_of(t))
            .and_then(|(r, _)| self.new_resource.get(&r).cloned())
            .ok_or_else(|| format!("`{}` returns no stream compose wraps", func.name))
    }

    /// A stream method: the host's for a wrapped host stream, the virtual one's for rep 0
    /// (an empty input, an output that keeps nothing).
    fn stream(&mut self, interface: &str, func: &Function) -> Result<String, String> {
        let name = func.name.as_str();
        let own = if name.ends_with(".subscribe") {
            "(call $ready)".to_string()
        } else if name.starts_with("[method]input-stream.") {
            let closed = self
                .forwarder
                .error_answer(func, "closed")
                .ok_or_else(|| format!("`{name}` cannot answer `closed`"))?;
            format!("(i32.const {})", self.data.aligned(&closed))
        } else if name == "[method]output-stream.check-write" {
            // Room for 4 KiB at every check: what is written goes nowhere.
            let mut ok = vec![0u8; 16];
            ok[8..16].copy_from_slice(&4096u64.to_le_bytes());
            format!("(i32.const {})", self.data.aligned(&ok))
        } else {
            format!("(i32.const {ZEROS})")
        };
        let mut guard = format!("    (if (i32.eqz (local.get 0)) (then (return {own})))\n");
        if name.contains("splice") {
            // Splicing from the empty input: it is closed.
            let closed = self
                .forwarder
                .error_answer(func, "closed")
                .ok_or_else(|| format!("`{name}` cannot answer `closed`"))?;
            let _ = writeln!(
                guard,
                "    (if (i32.eqz (local.get 1)) (then (return (i32.const {}))))",
                self.data.aligned(&closed)
            );
        }
        Ok(guard + &self.forward(interface, func, "(i32.const 0)")?)
    }

    /// A file-system function on a wrapped descriptor: refused with `read-only` where it
    /// would change a read-only one, else the host's.
    fn file(&mut self, interface: &str, func: &Function) -> Result<String, String> {
        let name = func.name.as_str();
        let method = name.strip_prefix("[method]descriptor.").unwrap_or_default();
        let changes = matches!(
            method,
            "write"
                | "write-via-stream"
                | "append-via-stream"
                | "set-size"
                | "set-times"
                | "set-times-at"
                | "create-directory-at"
                | "link-at"
                | "remove-directory-at"
                | "rename-at"
                | "symlink-at"
                | "unlink-file-at"
        );
        let mut guard = String::new();
        if changes || method == "open-at" {
            let refused = self
                .forwarder
                .error_answer(func, "read-only")
                .ok_or_else(|| format!("`{name}` cannot answer `read-only`"))?;
            let at = self.data.aligned(&refused);
            let borrowed = self.forwarder.borrowed_params(func);
            let read_only: Vec<String> = borrowed
                .iter()
                .map(|i| format!("(i32.and (local.get {i}) (i32.const 1))"))
                .collect();
            let condition = if method == "open-at" {
                // open-at(self, path-flags, path, path-len, open-flags, descriptor-flags):
                // creating, truncating, or asking to write or change the folder.
                "(i32.and (i32.and (local.get 0) (i32.const 1)) (i32.or (i32.and (local.get 4) (i32.const 13)) (i32.and (local.get 5) (i32.const 34))))".to_string()
            } else {
                read_only
                    .into_iter()
                    .reduce(|a, b| format!("(i32.or {a} {b})"))
                    .unwrap_or_else(|| "(i32.const 0)".into())
            };
            let _ = writeln!(
                guard,
                "    (if {condition} (then (return (i32.const {at}))))"
            );
        }
        // What a descriptor opens is as read-only as the descriptor.
        let mark = if name.starts_with("[method]") {
            "(i32.and (local.get 0) (i32.const 1))"
        } else {
            "(i32.const 0)"
        };
        Ok(guard + &self.forward(interface, func, mark)?)
    }

    /// `get-environment`: the host's variables that are granted, the others left out.
    fn environment(&mut self, interface: &str, grants: &Grants) -> String {
        let host = self
            .imports
            .func(interface, "get-environment", "(param i32)");
        let mut allowed = String::new();
        for var in &grants.env {
            let (at, len) = self.data.name(var);
            let _ = writeln!(
                allowed,
                "        (if (call $equal (i32.load (local.get $entry)) (i32.load offset=4 (local.get $entry)) (i32.const {at}) (i32.const {len})) (then (local.set $keep (i32.const 1))))"
            );
        }
        format!(
            "    (local $base i32) (local $count i32) (local $i i32) (local $kept i32) (local $entry i32) (local $keep i32)
    (call {host} (i32.const {ANSWER}))
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

    /// `get-directories`: the host's directories that are granted, whole or a sub-folder
    /// opened in them (wrapped, marked read-only where granted so, when the virtual
    /// component wraps descriptors); the others are dropped.
    fn directories(&mut self, grants: &Grants, confining: &Confining) -> String {
        let version = self.version.clone();
        let types = format!("wasi:filesystem/types@{version}");
        let host = self.imports.func(
            &format!("wasi:filesystem/preopens@{version}"),
            "get-directories",
            "(param i32)",
        );
        let drop = self
            .imports
            .func(&types, "[resource-drop]descriptor", "(param i32)");
        let open_at = self.imports.func(
            &types,
            "[method]descriptor.open-at",
            "(param i32 i32 i32 i32 i32 i32 i32)",
        );
        let new = self
            .new_resource
            .iter()
            .find(|(ty, _)| {
                self.forwarder.resolve.types[**ty].name.as_deref() == Some("descriptor")
            })
            .map(|(_, f)| f.clone())
            .unwrap_or_default();
        let files = confining.files;
        let wrap = |handle: &str, read_only: bool| -> String {
            if !files {
                return handle.to_string();
            }
            format!(
                "(call {new} (i32.or (i32.shl {handle} (i32.const 1)) (i32.const {})))",
                u32::from(read_only)
            )
        };
        let mut each = String::new();
        for dir in &grants.dirs {
            let (at, len) = self.data.name(&dir.preopen);
            let (seen_at, seen_len) = self.data.name(&dir.seen_as());
            let give = if dir.sub.is_empty() {
                format!(
                    "(local.set $used (i32.const 1))
            (call $give {} (i32.const {seen_at}) (i32.const {seen_len}))",
                    wrap("(local.get $handle)", dir.read_only)
                )
            } else {
                let (sub_at, sub_len) = self.data.name(&dir.sub);
                // open-at(no symlink following, the sub-folder, open-flags: directory,
                // descriptor-flags: read); writing is the run's, or refused when wrapped.
                format!(
                    "(call {open_at} (local.get $handle) (i32.const 0) (i32.const {sub_at}) (i32.const {sub_len}) (i32.const 2) (i32.const 1) (i32.const {OPENED}))
            (if (i32.eqz (i32.load8_u (i32.const {OPENED})))
              (then (call $give {} (i32.const {seen_at}) (i32.const {seen_len}))))",
                    wrap(
                        &format!("(i32.load (i32.const {}))", OPENED + 4),
                        dir.read_only
                    )
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
    (call {host} (i32.const {ANSWER}))
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
{each}        (if (i32.eqz (local.get $used)) (then (call {drop} (local.get $handle))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const {ANSWER}) (global.get $out))
    (i32.store (i32.const {ANSWER_LEN}) (global.get $given))
    (i32.const {ANSWER})
",
            ANSWER_LEN = ANSWER + 4
        )
    }
}

/// The core imports, each once.
#[derive(Default)]
struct Imports {
    text: String,
    seen: HashMap<(String, String), String>,
    count: usize,
}

impl Imports {
    /// The function imported as `name` from `module`.
    fn func(&mut self, module: &str, name: &str, signature: &str) -> String {
        if let Some(f) = self.seen.get(&(module.to_string(), name.to_string())) {
            return f.clone();
        }
        let f = format!("$import_{}_{}", self.count, sanitize(name));
        self.count += 1;
        let _ = writeln!(
            self.text,
            "  (import \"{module}\" \"{name}\" (func {f} {signature}))"
        );
        self.seen
            .insert((module.to_string(), name.to_string()), f.clone());
        f
    }
}

/// Names and fixed answers kept in the module's data.
#[derive(Default)]
struct Data {
    bytes: Vec<u8>,
}

impl Data {
    /// Where `name` is, and its length.
    fn name(&mut self, name: &str) -> (u32, u32) {
        let at = DATA + self.bytes.len() as u32;
        self.bytes.extend_from_slice(name.as_bytes());
        (at, name.len() as u32)
    }

    /// Where `bytes` are, at an address aligned for any answer.
    fn aligned(&mut self, bytes: &[u8]) -> u32 {
        while !self.bytes.len().is_multiple_of(8) {
            self.bytes.push(0);
        }
        let at = DATA + self.bytes.len() as u32;
        self.bytes.extend_from_slice(bytes);
        at
    }
}

/// The allocator the host and callers write with, byte comparison, and appending a
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

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}
