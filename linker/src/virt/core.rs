//! The core module of a virtual component, written for its grants with `wasm-encoder`.
//!
//! Every function of every interface the world exports gets a body: a denial (the answer the
//! function's WIT gives for "access denied", or an empty one), a narrowing (below), the
//! host's function forwarded ([`super::forward`]), or `unreachable` for the methods of
//! resources nothing can make (a denied file system hands out no descriptor to call them
//! on). An export that is handed a handle of one of the host's resources drops it before it
//! returns, as the component model requires (a borrow always; an owned one it does not hand
//! on). Memory, by address:
//!
//! | at | what |
//! | --- | --- |
//! | 16 | where the host's answer is written, then returned (sized for the largest answer) |
//! | after | scratch: the host's answer to `open-at` of a sub-folder, an authority |
//! | after | names (of variables, directories, sub-folders, hosts) and fixed answers |
//! | after | the heap, a bump allocator for what the host and callers hand over, emptied after each call |

use std::collections::HashMap;

use wasm_encoder::{Instruction, ValType};
use wit_parser::{Function, Resolve, Type, TypeDefKind, TypeId, WorldId, WorldItem};

use super::encode::{global, Body, Callee, Data, Helper, ModuleBuilder, Signature};
use super::forward::{Call, Forwarder, HostHandle, Mark};
use super::{Confining, Grants, Reach};
use compose_wit::names::split_version;

/// Where the host's answers are written.
const ANSWER: u32 = 16;
/// Bytes of scratch after the answer.
const SCRATCH_SIZE: u32 = 64;

/// The methods of a descriptor that change nothing: every other one is refused on a
/// read-only descriptor, so that a method a later WASI adds is refused until known.
const READS: &[&str] = &[
    "read-via-stream",
    "advise",
    "sync-data",
    "sync",
    "get-flags",
    "get-type",
    "read",
    "read-directory",
    "stat",
    "stat-at",
    "readlink-at",
    "is-same-object",
    "metadata-hash",
    "metadata-hash-at",
];

/// The flags `open-at` may be given on a read-only descriptor: every other one (create,
/// exclusive, truncate, write, mutate-directory, the sync flags, any later one) is refused.
const READ_OPEN_FLAGS: &[&str] = &["directory"];
const READ_DESCRIPTOR_FLAGS: &[&str] = &["read"];

/// The error cases a denial answers with, by preference: the first the function's error type
/// has.
const DENIAL_CASES: &[&str] = &[
    "access-denied",
    "HTTP-request-denied",
    "access",
    "not-permitted",
];

/// The module's bytes.
pub(super) fn module(
    resolve: &Resolve,
    world: WorldId,
    grants: &Grants,
    confining: &Confining,
    version: &str,
) -> Result<Vec<u8>, String> {
    let exported: Vec<(String, wit_parser::InterfaceId)> = resolve.worlds[world]
        .exports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } => Some((resolve.name_world_key(key), *id)),
            _ => None,
        })
        .collect();
    let ids: Vec<_> = exported.iter().map(|(_, id)| *id).collect();
    let forwarder = Forwarder::new(resolve, &ids);
    let answer_size = exported
        .iter()
        .flat_map(|(_, id)| resolve.interfaces[*id].functions.values())
        .map(|f| forwarder.answer_size(f))
        .max()
        .unwrap_or(0)
        .max(16) as u32;
    let scratch = ANSWER + answer_size.next_multiple_of(8);
    let mut w = Writer {
        forwarder,
        m: ModuleBuilder::new(),
        data: Data::at(scratch + SCRATCH_SIZE),
        version: version.to_string(),
        new_resource: HashMap::new(),
        scratch,
    };
    w.helpers(confining.streams);
    // Each wrapped resource: made with `[resource-new]`, its host handle dropped with it.
    for (name, id) in &exported {
        let forwarded = confining.reach(name) != Reach::Denied;
        for (resource_name, ty) in &resolve.interfaces[*id].types {
            if !matches!(resolve.types[*ty].kind, TypeDefKind::Resource) {
                continue;
            }
            let new = w.m.import(
                &format!("[export]{name}"),
                &format!("[resource-new]{resource_name}"),
                Signature::new(&[ValType::I32], &[ValType::I32]),
            );
            w.new_resource.insert(*ty, new);
            let mut dtor = Body::new(1);
            if forwarded {
                let drop = w.m.import(
                    name,
                    &format!("[resource-drop]{resource_name}"),
                    Signature::new(&[ValType::I32], &[]),
                );
                // Rep 0 is the virtual component's own: nothing of the host's to drop.
                dtor.get(0).i32(1).op(Instruction::I32ShrU).if_();
                dtor.get(0).i32(1).op(Instruction::I32ShrU).call(drop).end();
            }
            w.m.export(
                &format!("{name}#[dtor]{resource_name}"),
                Signature::new(&[ValType::I32], &[]),
                dtor,
            );
        }
    }
    for (name, id) in &exported {
        let reach = confining.reach(name);
        for func in resolve.interfaces[*id].functions.values() {
            w.function(name, func, reach, grants, confining)?;
        }
    }
    w.m.finish(&w.data)
}

struct Writer<'a> {
    forwarder: Forwarder<'a>,
    m: ModuleBuilder,
    data: Data,
    version: String,
    new_resource: HashMap<TypeId, Callee>,
    /// Where scratch space starts.
    scratch: u32,
}

/// What a function's body leaves for its caller to do with the host's handles it was given.
enum Handed {
    /// It handed them all on (or was given none): drop the borrows only.
    On,
    /// It denied the call: drop them all.
    Back,
    /// It dropped what it had to itself.
    Done,
}

impl Writer<'_> {
    /// The export of `interface`'s `func`, and its `cabi_post_`.
    fn function(
        &mut self,
        interface: &str,
        func: &Function,
        reach: Reach,
        grants: &Grants,
        confining: &Confining,
    ) -> Result<(), String> {
        let signature = self.forwarder.export_signature(func);
        let mut body = Body::new(signature.params.len());
        let handed = self.body(&mut body, interface, func, reach, grants, confining)?;
        let handles = self.forwarder.host_handles(func)?;
        let to_drop: Vec<HostHandle> = handles
            .into_iter()
            .filter(|h| match handed {
                Handed::On => !h.own,
                Handed::Back => true,
                Handed::Done => false,
            })
            .collect();
        let export = format!("{interface}#{}", func.name);
        if to_drop.is_empty() {
            self.m.export(&export, signature.clone(), body);
        } else {
            // The body, then the drops: the body may return early, so it is a function of
            // its own, called by the export.
            let inner = self.m.define(signature.clone(), body);
            let mut outer = Body::new(signature.params.len());
            for i in 0..signature.params.len() as u32 {
                outer.get(i);
            }
            outer.call(inner);
            for handle in to_drop {
                let drop = self.drop_of(handle.resource)?;
                if let Some(present) = handle.present {
                    outer.get(present).if_().get(handle.at).call(drop).end();
                } else {
                    outer.get(handle.at).call(drop);
                }
            }
            self.m.export(&export, signature.clone(), outer);
        }
        // What the call allocated is dead once its caller has read the answer.
        let mut post = Body::new(signature.results.len());
        post.op(Instruction::GlobalGet(global::HEAP_START))
            .op(Instruction::GlobalSet(global::HEAP));
        self.m.export(
            &format!("cabi_post_{export}"),
            Signature::new(&signature.results, &[]),
            post,
        );
        Ok(())
    }

    /// `[resource-drop]` of one of the host's resources.
    fn drop_of(&mut self, resource: TypeId) -> Result<Callee, String> {
        let ty = &self.forwarder.resolve.types[resource];
        let (Some(name), wit_parser::TypeOwner::Interface(owner)) = (&ty.name, ty.owner) else {
            return Err("a resource without a name or interface".into());
        };
        let interface = self
            .forwarder
            .resolve
            .id_of(owner)
            .ok_or_else(|| format!("the interface of `{name}` has no name"))?;
        Ok(self.m.import(
            &interface,
            &format!("[resource-drop]{name}"),
            Signature::new(&[ValType::I32], &[]),
        ))
    }

    /// Writes the body of `interface`'s function `func`.
    fn body(
        &mut self,
        b: &mut Body,
        interface: &str,
        func: &Function,
        reach: Reach,
        grants: &Grants,
        confining: &Confining,
    ) -> Result<Handed, String> {
        let unversioned = split_version(interface).0;
        let name = func.name.as_str();
        match (unversioned, name, reach) {
            ("wasi:cli/environment", "get-environment", Reach::Narrowed) => {
                self.environment(b, interface, grants)?;
                Ok(Handed::On)
            }
            ("wasi:filesystem/preopens", _, Reach::Narrowed) => {
                self.directories(b, grants, confining)?;
                Ok(Handed::On)
            }
            ("wasi:http/outgoing-handler", "handle", Reach::Narrowed) => {
                self.outgoing(b, interface, func, grants)?;
                Ok(Handed::Done)
            }
            ("wasi:cli/stdin" | "wasi:cli/stdout" | "wasi:cli/stderr", _, Reach::Denied) => {
                // The virtual component's own stream: rep 0.
                let new = self.new_of_result(func)?;
                b.i32(0).call(new);
                Ok(Handed::Back)
            }
            ("wasi:io/streams", _, Reach::Forwarded | Reach::Narrowed) => {
                self.stream(b, interface, func)?;
                Ok(Handed::On)
            }
            ("wasi:filesystem/types", _, Reach::Narrowed | Reach::Forwarded) => {
                self.file(b, interface, func)?;
                Ok(Handed::On)
            }
            (_, _, Reach::Denied) | ("wasi:cli/environment", _, Reach::Narrowed) => {
                self.deny(b, func)?;
                Ok(Handed::Back)
            }
            (_, _, Reach::Forwarded | Reach::Narrowed | Reach::Host) => {
                self.forward(b, interface, func, Mark::Plain)?;
                Ok(Handed::On)
            }
        }
    }

    /// A denial: the error its WIT has for access denied, an empty list, `none`, or, for a
    /// method of a resource that no denied call ever makes, `unreachable`.
    fn deny(&mut self, b: &mut Body, func: &Function) -> Result<(), String> {
        let Some(result) = &func.result else {
            return Ok(());
        };
        if let Some(answer) = DENIAL_CASES
            .iter()
            .find_map(|case| self.forwarder.error_answer(func, case))
        {
            b.i32(self.data.aligned(&answer)?);
            return Ok(());
        }
        let empty = match result {
            Type::Id(id) => matches!(
                self.forwarder.resolve.types[self.forwarder.dealias(*id)].kind,
                TypeDefKind::List(_) | TypeDefKind::Option(_)
            ),
            _ => false,
        };
        if empty {
            let size = self.forwarder.sizes.size(result).size_wasm32();
            b.i32(self.data.aligned(&vec![0; size])?);
        } else {
            b.op(Instruction::Unreachable);
        }
        Ok(())
    }

    fn forward(
        &mut self,
        b: &mut Body,
        interface: &str,
        func: &Function,
        mark: Mark,
    ) -> Result<(), String> {
        let signature = self.forwarder.import_signature(func).0;
        let host = self.m.import(interface, &func.name, signature);
        self.forwarder.forward(
            b,
            func,
            &Call {
                host,
                answer: ANSWER,
                mark,
                new_resource: &self.new_resource,
            },
        )
    }

    /// `[resource-new]` of the resource `func` returns.
    fn new_of_result(&self, func: &Function) -> Result<Callee, String> {
        func.result
            .as_ref()
            .and_then(|t| self.forwarder.resource_of(t))
            .and_then(|(r, _)| self.new_resource.get(&r).copied())
            .ok_or_else(|| format!("`{}` returns no stream compose wraps", func.name))
    }

    /// A stream method: the host's for a wrapped host stream, the virtual one's for rep 0
    /// (an empty input, an output that keeps nothing).
    fn stream(&mut self, b: &mut Body, interface: &str, func: &Function) -> Result<(), String> {
        let name = func.name.as_str();
        let closed = |w: &mut Self| -> Result<u32, String> {
            let answer = w
                .forwarder
                .error_answer(func, "closed")
                .ok_or_else(|| format!("`{name}` cannot answer `closed`"))?;
            w.data.aligned(&answer)
        };
        // What rep 0 answers.
        let own: Vec<Instruction<'static>> = if name.ends_with(".subscribe") {
            Vec::new()
        } else if name.starts_with("[method]input-stream.") {
            vec![Instruction::I32Const(closed(self)? as i32)]
        } else if name == "[method]output-stream.check-write" {
            // Room for 4 KiB at every check: what is written goes nowhere.
            let mut ok = vec![0u8; 16];
            ok[8..16].copy_from_slice(&4096u64.to_le_bytes());
            vec![Instruction::I32Const(self.data.aligned(&ok)? as i32)]
        } else if let Some(result) = &func.result {
            let size = self.forwarder.sizes.size(result).size_wasm32();
            vec![Instruction::I32Const(
                self.data.aligned(&vec![0; size])? as i32
            )]
        } else {
            Vec::new()
        };
        b.get(0).op(Instruction::I32Eqz).if_();
        if name.ends_with(".subscribe") {
            b.call(Callee::Helper(Helper::Ready));
        }
        for i in own {
            b.op(i);
        }
        b.op(Instruction::Return).end();
        if name.contains("splice") {
            // Splicing from the empty input: it is closed.
            let closed = closed(self)?;
            b.get(1).op(Instruction::I32Eqz).if_();
            b.i32(closed).op(Instruction::Return).end();
        }
        self.forward(b, interface, func, Mark::Plain)
    }

    /// A file-system function on a wrapped descriptor: refused with `read-only` where it
    /// could change a read-only one, else the host's.
    fn file(&mut self, b: &mut Body, interface: &str, func: &Function) -> Result<(), String> {
        let name = func.name.as_str();
        let method = name.strip_prefix("[method]descriptor.");
        let refused = |w: &mut Self| -> Result<u32, String> {
            let answer = w
                .forwarder
                .error_answer(func, "read-only")
                .ok_or_else(|| format!("`{name}` cannot answer `read-only`"))?;
            w.data.aligned(&answer)
        };
        match method {
            Some("open-at") => {
                // Refused on a read-only descriptor when any flag but the reading ones is
                // asked: creating, truncating, writing, changing the folder, ...
                let flag_bits = |param: &str, allowed: &[&str]| {
                    self.forwarder
                        .param(func, param)
                        .and_then(|(at, ty)| {
                            Some((at, self.forwarder.flag_bits_except(ty, allowed)?))
                        })
                        .ok_or_else(|| format!("`open-at` has no flags `{param}`"))
                };
                let (open_at, open_bits) = flag_bits("open-flags", READ_OPEN_FLAGS)?;
                let (flags_at, flags_bits) = flag_bits("%flags", READ_DESCRIPTOR_FLAGS)
                    .or_else(|_| flag_bits("flags", READ_DESCRIPTOR_FLAGS))?;
                let refused = refused(self)?;
                b.get(0).i32(1).op(Instruction::I32And).if_();
                b.get(open_at).i32(open_bits).op(Instruction::I32And);
                b.get(flags_at).i32(flags_bits).op(Instruction::I32And);
                b.op(Instruction::I32Or).if_();
                b.i32(refused).op(Instruction::Return).end();
                b.end();
            }
            Some(method) if !READS.contains(&method) => {
                // Any read-only descriptor among those it is called on refuses it.
                let borrowed = self.forwarder.borrowed_params(func);
                if !borrowed.is_empty() {
                    let refused = refused(self)?;
                    for (n, at) in borrowed.iter().enumerate() {
                        b.get(*at).i32(1).op(Instruction::I32And);
                        if n > 0 {
                            b.op(Instruction::I32Or);
                        }
                    }
                    b.if_().i32(refused).op(Instruction::Return).end();
                }
            }
            _ => {}
        }
        // What a descriptor opens is as read-only as the descriptor.
        let mark = if name.starts_with("[method]") {
            Mark::AsSelf
        } else {
            Mark::Plain
        };
        self.forward(b, interface, func, mark)
    }

    /// `get-environment`: the host's variables that are granted, the others left out.
    fn environment(
        &mut self,
        b: &mut Body,
        interface: &str,
        grants: &Grants,
    ) -> Result<(), String> {
        let host = self.m.import(
            interface,
            "get-environment",
            Signature::new(&[ValType::I32], &[]),
        );
        let [base, count, i, kept, entry, keep] = [(); 6].map(|()| b.local());
        b.i32(ANSWER).call(host);
        b.i32(ANSWER).load(0).set(base);
        b.i32(ANSWER).load(4).set(count);
        b.block().loop_();
        b.get(i)
            .get(count)
            .op(Instruction::I32GeU)
            .op(Instruction::BrIf(1));
        b.get(base)
            .get(i)
            .i32(16)
            .op(Instruction::I32Mul)
            .op(Instruction::I32Add)
            .set(entry);
        b.i32(0).set(keep);
        for var in &grants.env {
            let (at, len) = self.data.name(var)?;
            b.get(entry).load(0).get(entry).load(4).i32(at).i32(len);
            b.call(Callee::Helper(Helper::Equal))
                .if_()
                .i32(1)
                .set(keep)
                .end();
        }
        b.get(keep).if_();
        b.get(base)
            .get(kept)
            .i32(16)
            .op(Instruction::I32Mul)
            .op(Instruction::I32Add);
        b.get(entry).i32(16);
        b.op(Instruction::MemoryCopy {
            src_mem: 0,
            dst_mem: 0,
        });
        b.get(kept).i32(1).op(Instruction::I32Add).set(kept);
        b.end();
        b.get(i).i32(1).op(Instruction::I32Add).set(i);
        b.op(Instruction::Br(0)).end().end();
        b.i32(ANSWER).get(kept).store(4);
        b.i32(ANSWER);
        Ok(())
    }

    /// `get-directories`: the host's directories that are granted, whole or a sub-folder
    /// opened in them (wrapped, marked read-only where granted so, when the virtual
    /// component wraps descriptors); the others are dropped.
    fn directories(
        &mut self,
        b: &mut Body,
        grants: &Grants,
        confining: &Confining,
    ) -> Result<(), String> {
        let types = format!("wasi:filesystem/types@{}", self.version);
        let host = self.m.import(
            &format!("wasi:filesystem/preopens@{}", self.version),
            "get-directories",
            Signature::new(&[ValType::I32], &[]),
        );
        let drop = self.m.import(
            &types,
            "[resource-drop]descriptor",
            Signature::new(&[ValType::I32], &[]),
        );
        let open_at = self.m.import(
            &types,
            "[method]descriptor.open-at",
            Signature::new(&[ValType::I32; 7], &[]),
        );
        let new = self
            .new_resource
            .iter()
            .find(|(ty, _)| {
                self.forwarder.resolve.types[**ty].name.as_deref() == Some("descriptor")
            })
            .map(|(_, f)| *f);
        let wrap = |b: &mut Body, read_only: bool| -> Result<(), String> {
            if !confining.files {
                return Ok(());
            }
            let new = new.ok_or("descriptors are wrapped but not defined")?;
            b.i32(1).op(Instruction::I32Shl).i32(u32::from(read_only));
            b.op(Instruction::I32Or).call(new);
            Ok(())
        };
        let opened = self.scratch;
        let room = u32::try_from(12 * grants.dirs.len()).map_err(|_| "too many directories")?;
        let [base, count, i, entry, handle, name, name_len, used] = [(); 8].map(|()| b.local());
        b.i32(ANSWER).call(host);
        b.i32(ANSWER).load(0).set(base);
        b.i32(ANSWER).load(4).set(count);
        b.i32(0)
            .i32(0)
            .i32(4)
            .i32(room)
            .call(Callee::Helper(Helper::Realloc));
        b.op(Instruction::GlobalSet(global::OUT));
        b.i32(0).op(Instruction::GlobalSet(global::GIVEN));
        b.block().loop_();
        b.get(i)
            .get(count)
            .op(Instruction::I32GeU)
            .op(Instruction::BrIf(1));
        b.get(base)
            .get(i)
            .i32(12)
            .op(Instruction::I32Mul)
            .op(Instruction::I32Add)
            .set(entry);
        b.get(entry).load(0).set(handle);
        b.get(entry).load(4).set(name);
        b.get(entry).load(8).set(name_len);
        b.i32(0).set(used);
        for dir in &grants.dirs {
            let (at, len) = self.data.name(&dir.preopen)?;
            let (seen_at, seen_len) = self.data.name(&dir.seen_as())?;
            b.get(name).get(name_len).i32(at).i32(len);
            b.call(Callee::Helper(Helper::Equal)).if_();
            if dir.sub.is_empty() {
                b.i32(1).set(used);
                b.get(handle);
                wrap(b, dir.read_only)?;
                b.i32(seen_at)
                    .i32(seen_len)
                    .call(Callee::Helper(Helper::Give));
            } else {
                let (sub_at, sub_len) = self.data.name(&dir.sub)?;
                // open-at(no symlink following, the sub-folder, open-flags: directory,
                // descriptor-flags: read); writing is the run's, or refused when wrapped.
                b.get(handle)
                    .i32(0)
                    .i32(sub_at)
                    .i32(sub_len)
                    .i32(2)
                    .i32(1)
                    .i32(opened);
                b.call(open_at);
                b.i32(opened).load8(0).op(Instruction::I32Eqz).if_();
                b.i32(opened).load(4);
                wrap(b, dir.read_only)?;
                b.i32(seen_at)
                    .i32(seen_len)
                    .call(Callee::Helper(Helper::Give));
                b.end();
            }
            b.end();
        }
        b.get(used)
            .op(Instruction::I32Eqz)
            .if_()
            .get(handle)
            .call(drop)
            .end();
        b.get(i).i32(1).op(Instruction::I32Add).set(i);
        b.op(Instruction::Br(0)).end().end();
        b.i32(ANSWER)
            .op(Instruction::GlobalGet(global::OUT))
            .store(0);
        b.i32(ANSWER)
            .op(Instruction::GlobalGet(global::GIVEN))
            .store(4);
        b.i32(ANSWER);
        Ok(())
    }

    /// `outgoing-handler.handle`: the host's, for a request to a granted host; else the
    /// request (and its options) dropped and `HTTP-request-denied` answered.
    fn outgoing(
        &mut self,
        b: &mut Body,
        interface: &str,
        func: &Function,
        grants: &Grants,
    ) -> Result<(), String> {
        let types = format!("wasi:http/types@{}", self.version);
        let authority = self.m.import(
            &types,
            "[method]outgoing-request.authority",
            Signature::new(&[ValType::I32, ValType::I32], &[]),
        );
        let handles = self.forwarder.host_handles(func)?;
        let denied = self
            .forwarder
            .error_answer(func, "HTTP-request-denied")
            .ok_or("`handle` cannot answer `HTTP-request-denied`")?;
        let denied = self.data.aligned(&denied)?;
        let at = self.scratch;
        let [ptr, len, allowed] = [(); 3].map(|()| b.local());
        let request = handles
            .iter()
            .find(|h| h.own && h.present.is_none())
            .ok_or("`handle` takes no request")?
            .at;
        b.get(request).i32(at).call(authority);
        b.i32(at).load8(0).if_();
        b.i32(at).load(4).set(ptr);
        b.i32(at).load(8).set(len);
        for rule in &grants.http {
            let text = match rule.port {
                Some(port) => format!("{}:{port}", rule.host.to_ascii_lowercase()),
                None => rule.host.to_ascii_lowercase(),
            };
            let (rule_at, rule_len) = self.data.name(&text)?;
            b.get(ptr)
                .get(len)
                .i32(rule_at)
                .i32(rule_len)
                .i32(u32::from(rule.port.is_some()));
            b.call(Callee::Helper(Helper::HostAllows))
                .if_()
                .i32(1)
                .set(allowed)
                .end();
        }
        b.end();
        b.get(allowed).if_();
        self.forward(b, interface, func, Mark::Plain)?;
        b.op(Instruction::Return).end();
        for handle in handles.iter().filter(|h| h.own) {
            let drop = self.drop_of(handle.resource)?;
            if let Some(present) = handle.present {
                b.get(present).if_().get(handle.at).call(drop).end();
            } else {
                b.get(handle.at).call(drop);
            }
        }
        b.i32(denied);
        Ok(())
    }

    /// The allocator the host and callers write with, byte comparisons, appending a
    /// directory to the answer of `get-directories`, matching a granted host, and (when the
    /// streams are wrapped) a pollable that is ready at once.
    fn helpers(&mut self, streams: bool) {
        let i32s = |n: usize| vec![ValType::I32; n];
        // cabi_realloc(old, old_size, align, size)
        let mut b = Body::new(4);
        let at = b.local();
        b.op(Instruction::GlobalGet(global::HEAP))
            .get(2)
            .op(Instruction::I32Add)
            .i32(1);
        b.op(Instruction::I32Sub);
        b.i32(0)
            .get(2)
            .op(Instruction::I32Sub)
            .op(Instruction::I32And)
            .set(at);
        // A size that would wrap around the address space is refused with a trap.
        b.get(at)
            .get(3)
            .op(Instruction::I32Add)
            .op(Instruction::GlobalSet(global::HEAP));
        b.op(Instruction::GlobalGet(global::HEAP))
            .get(at)
            .op(Instruction::I32LtU);
        b.if_().op(Instruction::Unreachable).end();
        b.block().loop_();
        b.op(Instruction::GlobalGet(global::HEAP));
        b.op(Instruction::MemorySize(0))
            .i32(16)
            .op(Instruction::I32Shl);
        b.op(Instruction::I32LeU).op(Instruction::BrIf(1));
        b.i32(1)
            .op(Instruction::MemoryGrow(0))
            .i32(u32::MAX)
            .op(Instruction::I32Eq);
        b.if_().op(Instruction::Unreachable).end();
        b.op(Instruction::Br(0)).end().end();
        b.get(1).if_();
        b.get(at).get(0).get(1).op(Instruction::MemoryCopy {
            src_mem: 0,
            dst_mem: 0,
        });
        b.end();
        b.get(at);
        self.m
            .helper(Helper::Realloc, Signature::new(&i32s(4), &i32s(1)), b);
        self.m.helper(
            Helper::Equal,
            Signature::new(&i32s(4), &i32s(1)),
            equal(false),
        );
        self.m.helper(
            Helper::EqualIgnoringCase,
            Signature::new(&i32s(4), &i32s(1)),
            equal(true),
        );
        // give(handle, name, name_len)
        let mut b = Body::new(3);
        let at = b.local();
        b.op(Instruction::GlobalGet(global::OUT));
        b.op(Instruction::GlobalGet(global::GIVEN))
            .i32(12)
            .op(Instruction::I32Mul);
        b.op(Instruction::I32Add).set(at);
        b.get(at).get(0).store(0);
        b.get(at).get(1).store(4);
        b.get(at).get(2).store(8);
        b.op(Instruction::GlobalGet(global::GIVEN))
            .i32(1)
            .op(Instruction::I32Add);
        b.op(Instruction::GlobalSet(global::GIVEN));
        self.m
            .helper(Helper::Give, Signature::new(&i32s(3), &[]), b);
        self.m.helper(
            Helper::HostAllows,
            Signature::new(&i32s(5), &i32s(1)),
            host_allows(),
        );
        if streams {
            let subscribe = self.m.import(
                &format!("wasi:clocks/monotonic-clock@{}", self.version),
                "subscribe-duration",
                Signature::new(&[ValType::I64], &[ValType::I32]),
            );
            let mut b = Body::new(0);
            b.op(Instruction::I64Const(0)).call(subscribe);
            self.m
                .helper(Helper::Ready, Signature::new(&[], &i32s(1)), b);
        }
    }
}

/// `equal(a, a_len, b, b_len)`: the same bytes (ASCII letters in either case, when
/// `ignoring_case`).
fn equal(ignoring_case: bool) -> Body {
    let mut b = Body::new(4);
    let i = b.local();
    let byte = |b: &mut Body, of: u32| {
        b.get(of).get(i).op(Instruction::I32Add).load8(0);
        if ignoring_case {
            // 'A'..='Z' to lower case: add 32 when the byte - 'A' < 26.
            let c = b.local();
            b.set(c).get(c);
            b.get(c)
                .i32(u32::from(b'A'))
                .op(Instruction::I32Sub)
                .i32(26);
            b.op(Instruction::I32LtU).i32(5).op(Instruction::I32Shl);
            b.op(Instruction::I32Add);
        }
    };
    b.get(1)
        .get(3)
        .op(Instruction::I32Ne)
        .if_()
        .i32(0)
        .op(Instruction::Return)
        .end();
    b.block().loop_();
    b.get(i)
        .get(1)
        .op(Instruction::I32GeU)
        .if_()
        .i32(1)
        .op(Instruction::Return)
        .end();
    byte(&mut b, 0);
    byte(&mut b, 2);
    b.op(Instruction::I32Ne).op(Instruction::BrIf(1));
    b.get(i).i32(1).op(Instruction::I32Add).set(i);
    b.op(Instruction::Br(0)).end().end();
    b.i32(0);
    b
}

/// `host_allows(authority, authority_len, rule, rule_len, port_given)`: whether a request's
/// authority is the granted host. A rule with a port (`host:port`) takes exactly that
/// authority; one without takes the host alone or followed by `:` and digits, so that
/// `host:80@elsewhere` is not the host.
fn host_allows() -> Body {
    let mut b = Body::new(5);
    let i = b.local();
    let c = b.local();
    let equal = Callee::Helper(Helper::EqualIgnoringCase);
    b.get(0).get(1).get(2).get(3).call(equal);
    b.if_().i32(1).op(Instruction::Return).end();
    b.get(4).if_().i32(0).op(Instruction::Return).end();
    // `host:` and at least one digit.
    b.get(1)
        .get(3)
        .i32(1)
        .op(Instruction::I32Add)
        .op(Instruction::I32LeU);
    b.if_().i32(0).op(Instruction::Return).end();
    b.get(0)
        .get(3)
        .get(2)
        .get(3)
        .call(equal)
        .op(Instruction::I32Eqz);
    b.if_().i32(0).op(Instruction::Return).end();
    b.get(0)
        .get(3)
        .op(Instruction::I32Add)
        .load8(0)
        .i32(u32::from(b':'));
    b.op(Instruction::I32Ne)
        .if_()
        .i32(0)
        .op(Instruction::Return)
        .end();
    b.get(3).i32(1).op(Instruction::I32Add).set(i);
    b.block().loop_();
    b.get(i)
        .get(1)
        .op(Instruction::I32GeU)
        .op(Instruction::BrIf(1));
    b.get(0)
        .get(i)
        .op(Instruction::I32Add)
        .load8(0)
        .i32(u32::from(b'0'));
    b.op(Instruction::I32Sub).set(c);
    b.get(c)
        .i32(10)
        .op(Instruction::I32GeU)
        .if_()
        .i32(0)
        .op(Instruction::Return)
        .end();
    b.get(i).i32(1).op(Instruction::I32Add).set(i);
    b.op(Instruction::Br(0)).end().end();
    b.i32(1);
    b
}
