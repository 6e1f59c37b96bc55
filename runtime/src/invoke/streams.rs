//! Streams given to a call and taken from it, written as the list of their items: a test
//! vector or `--invoke` gives `stream<u8>` as `"text"` or `[104, 105]`, and reads a
//! `stream<T>` result to its end, shown as the list of what came (as a string, for bytes
//! that are UTF-8).
//!
//! Items are the component model's plain values (numbers, `bool`, `char`, `string`): the
//! host side of a stream is typed, so each item type is one instance of [`Item`].

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime::component::types::Type;
use wasmtime::component::wasm_wave::ast::Node;
use wasmtime::component::{
    Accessor, Func, Lift, Lower, Source, StreamConsumer, StreamReader, StreamResult, Val,
};
use wasmtime::{Store, StoreContextMut};

use crate::store::State;

/// The most items compose takes from a stream result: a guest that writes without end is
/// stopped here, not by the host's memory.
const MAX_ITEMS: usize = 1 << 20;

/// Whether `ty` is a stream (whose items compose writes and reads as lists).
pub(super) fn is_stream(ty: &Type) -> bool {
    matches!(ty, Type::Stream(_))
}

/// The item type of a stream compose can give and read, or why not.
fn item_type(ty: &Type) -> Result<Type, String> {
    let Type::Stream(stream) = ty else {
        return Err("not a stream".into());
    };
    match stream.ty() {
        Some(
            item @ (Type::Bool
            | Type::S8
            | Type::U8
            | Type::S16
            | Type::U16
            | Type::S32
            | Type::U32
            | Type::S64
            | Type::U64
            | Type::Float32
            | Type::Float64
            | Type::Char
            | Type::String),
        ) => Ok(item),
        Some(other) => Err(format!(
            "compose gives and reads streams of numbers, `bool`, `char` and `string`; this one carries `{}`",
            super::type_name(&other)
        )),
        None => Err("compose gives and reads streams that carry values; this one carries none".into()),
    }
}

/// The argument `node` (of `src`) for a stream parameter of type `ty`: its items, as a list.
/// `stream<u8>` also takes a string, for its UTF-8 bytes.
pub(super) fn parse_items(ty: &Type, node: &Node, src: &str) -> Result<Val, String> {
    let item = item_type(ty)?;
    if item == Type::U8 {
        if let Ok(text) = node.as_str(src) {
            return Ok(Val::List(text.bytes().map(Val::U8).collect()));
        }
    }
    let list = node.as_list().map_err(|_| {
        format!(
            "a stream is given as the list of its items{}",
            if item == Type::U8 {
                " (or, for bytes, a string)"
            } else {
                ""
            }
        )
    })?;
    list.map(|n| {
        n.to_wasm_value::<Val>(&item, src)
            .map_err(|e| format!("an item of the stream: {e}"))
    })
    .collect::<Result<Vec<_>, _>>()
    .map(Val::List)
}

/// `expected` (WAVE) as the items a stream result of type `ty` must bring, printed as a
/// result is: the same spelling for the same items.
pub(super) fn canonical_items(ty: &Type, expected: &str) -> Result<String, String> {
    let parsed = wasmtime::component::wasm_wave::untyped::UntypedValue::parse(expected)
        .map_err(|e| format!("not valid WAVE: {e}"))?;
    let items = parse_items(ty, parsed.node(), parsed.source())?;
    Ok(show(ty, &items))
}

/// A stream's items as they are shown: bytes that are UTF-8 as a string, else a list.
pub(super) fn show(ty: &Type, items: &Val) -> String {
    if let (Ok(Type::U8), Val::List(values)) = (item_type(ty), items) {
        let bytes: Option<Vec<u8>> = values
            .iter()
            .map(|v| match v {
                Val::U8(b) => Some(*b),
                _ => None,
            })
            .collect();
        if let Some(Ok(text)) = bytes.map(String::from_utf8) {
            if let Ok(shown) = Val::String(text).to_wave() {
                return shown;
            }
        }
    }
    items
        .to_wave()
        .unwrap_or_else(|e| format!("<a stream that cannot be shown: {e}>"))
}

/// Calls `func` with `params`, where each stream parameter holds its items as a list: each
/// becomes a stream the host writes, and each stream result is read to its end and replaced
/// by the list of its items.
pub(super) async fn call(
    store: &mut Store<State>,
    func: Func,
    params: &[Val],
    param_types: &[Type],
    results: &mut [Val],
    result_types: &[Type],
) -> wasmtime::Result<()> {
    let mut lowered = Vec::with_capacity(params.len());
    for (value, ty) in params.iter().zip(param_types) {
        lowered.push(match ty {
            Type::Stream(_) => host_stream(store, ty, value)?,
            _ => value.clone(),
        });
    }
    store
        .run_concurrent(async |accessor| -> wasmtime::Result<()> {
            func.call_concurrent(accessor, &lowered, results).await?;
            for (slot, ty) in results.iter_mut().zip(result_types) {
                if let Val::Stream(stream) = slot {
                    let stream = stream.clone();
                    *slot = read_to_end(accessor, ty, stream).await?;
                }
            }
            Ok(())
        })
        .await?
}

/// A plain value of the component model, as the host side of a stream carries it.
trait Item: Lift + Lower + Send + Sync + Sized + 'static {
    fn from_val(value: &Val) -> Option<Self>;
    fn into_val(self) -> Val;
}

macro_rules! items {
    ($($rust:ty => $variant:ident),* $(,)?) => {
        $(impl Item for $rust {
            fn from_val(value: &Val) -> Option<Self> {
                match value {
                    Val::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
            fn into_val(self) -> Val {
                Val::$variant(self)
            }
        })*
    };
}

items!(
    bool => Bool, i8 => S8, u8 => U8, i16 => S16, u16 => U16, i32 => S32, u32 => U32,
    i64 => S64, u64 => U64, f32 => Float32, f64 => Float64, char => Char, String => String,
);

/// Runs `$body` with `$T` the Rust type of the item type `$item`.
macro_rules! by_item {
    ($item:expr, $T:ident => $body:expr) => {
        match $item {
            Type::Bool => {
                type $T = bool;
                $body
            }
            Type::S8 => {
                type $T = i8;
                $body
            }
            Type::U8 => {
                type $T = u8;
                $body
            }
            Type::S16 => {
                type $T = i16;
                $body
            }
            Type::U16 => {
                type $T = u16;
                $body
            }
            Type::S32 => {
                type $T = i32;
                $body
            }
            Type::U32 => {
                type $T = u32;
                $body
            }
            Type::S64 => {
                type $T = i64;
                $body
            }
            Type::U64 => {
                type $T = u64;
                $body
            }
            Type::Float32 => {
                type $T = f32;
                $body
            }
            Type::Float64 => {
                type $T = f64;
                $body
            }
            Type::Char => {
                type $T = char;
                $body
            }
            Type::String => {
                type $T = String;
                $body
            }
            other => wasmtime::bail!("a stream of `{}`", super::type_name(&other)),
        }
    };
}

/// A stream the host writes `items` (a list) to, then ends.
fn host_stream(store: &mut Store<State>, ty: &Type, items: &Val) -> wasmtime::Result<Val> {
    let item = item_type(ty).map_err(wasmtime::Error::msg)?;
    let Val::List(values) = items else {
        wasmtime::bail!("a stream is given as the list of its items");
    };
    by_item!(item, T => {
        let items: Vec<T> = values
            .iter()
            .map(|v| T::from_val(v).ok_or_else(|| wasmtime::format_err!("an item of another type")))
            .collect::<wasmtime::Result<_>>()?;
        let reader = StreamReader::<T>::new(&mut *store, items)?;
        Ok(Val::Stream(reader.try_into_stream_any(&mut *store)?))
    })
}

/// Everything `stream` brings until its writer ends it, as a list.
async fn read_to_end(
    accessor: &Accessor<State>,
    ty: &Type,
    stream: wasmtime::component::StreamAny,
) -> wasmtime::Result<Val> {
    let item = item_type(ty).map_err(wasmtime::Error::msg)?;
    by_item!(item, T => {
        let reader = stream.try_into_stream_reader::<T>()?;
        let (collect, ended) = Collect::<T>::new();
        let taken = collect.items.clone();
        accessor.with(|store| reader.pipe(store, collect))?;
        // The consumer is dropped when the writer ends the stream, or when it took its fill.
        let _ = ended.await;
        let items = std::mem::take(&mut *taken.lock().unwrap_or_else(|e| e.into_inner()));
        if items.len() >= MAX_ITEMS {
            wasmtime::bail!(
                "the stream it returned brought more than {MAX_ITEMS} items; compose reads at most that many"
            );
        }
        Ok(Val::List(items.into_iter().map(Item::into_val).collect()))
    })
}

/// Takes every item written to a stream; says when the stream is over by being dropped.
struct Collect<T> {
    items: Arc<Mutex<Vec<T>>>,
    _ended: tokio::sync::oneshot::Sender<()>,
}

impl<T> Collect<T> {
    fn new() -> (Self, tokio::sync::oneshot::Receiver<()>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (
            Collect {
                items: Arc::new(Mutex::new(Vec::new())),
                _ended: tx,
            },
            rx,
        )
    }
}

impl<T: Item> StreamConsumer<State> for Collect<T> {
    type Item = T;

    fn poll_consume(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut Context<'_>,
        mut store: StoreContextMut<State>,
        mut source: Source<'_, T>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        if items.len() >= MAX_ITEMS {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let room = MAX_ITEMS - items.len();
        let available = source.remaining(&mut store).min(room);
        let mut taken = Vec::with_capacity(available.max(1));
        source.read(&mut store, &mut taken)?;
        items.extend(taken);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}
