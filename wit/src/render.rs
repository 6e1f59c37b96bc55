//! WIT types and functions in words, as they are written in WIT: named types by name,
//! anonymous ones spelled out (`list<string>`), functions as `func(a: u32) -> string`.

use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind};

/// `func(a: s32, b: s32) -> s32`.
pub fn signature(r: &Resolve, f: &Function) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, type_name(r, &p.ty)))
        .collect();
    let asynchronous = if f.kind.is_async() { "async " } else { "" };
    let mut out = format!("{asynchronous}func({})", params.join(", "));
    if let Some(ty) = &f.result {
        out.push_str(&format!(" -> {}", type_name(r, ty)));
    }
    out
}

/// A type as it is written where it is used: named types by name, anonymous ones spelled out.
pub fn type_name(r: &Resolve, ty: &Type) -> String {
    match ty {
        Type::Id(id) => {
            let def = &r.types[*id];
            match &def.name {
                Some(name) => name.clone(),
                None => definition(r, &def.kind),
            }
        }
        other => primitive(other).to_string(),
    }
}

/// A type definition spelled out.
pub fn definition(r: &Resolve, kind: &TypeDefKind) -> String {
    let t = |ty: &Type| type_name(r, ty);
    let opt = |ty: &Option<Type>| ty.as_ref().map(t).unwrap_or_else(|| "_".to_string());
    match kind {
        TypeDefKind::List(ty) => format!("list<{}>", t(ty)),
        TypeDefKind::FixedLengthList(ty, n) => format!("list<{}, {n}>", t(ty)),
        TypeDefKind::Option(ty) => format!("option<{}>", t(ty)),
        TypeDefKind::Result(res) => format!("result<{}, {}>", opt(&res.ok), opt(&res.err)),
        TypeDefKind::Tuple(tu) => format!(
            "tuple<{}>",
            tu.types.iter().map(t).collect::<Vec<_>>().join(", ")
        ),
        TypeDefKind::Type(ty) => t(ty),
        TypeDefKind::Handle(Handle::Own(id)) => type_name(r, &Type::Id(*id)),
        TypeDefKind::Handle(Handle::Borrow(id)) => {
            format!("borrow<{}>", type_name(r, &Type::Id(*id)))
        }
        TypeDefKind::Future(ty) => format!("future<{}>", opt(ty)),
        TypeDefKind::Stream(ty) => format!("stream<{}>", opt(ty)),
        TypeDefKind::Record(rec) => format!(
            "record {{ {} }}",
            rec.fields
                .iter()
                .map(|f| format!("{}: {}", f.name, t(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Variant(v) => format!(
            "variant {{ {} }}",
            v.cases
                .iter()
                .map(|c| match &c.ty {
                    Some(ty) => format!("{}({})", c.name, t(ty)),
                    None => c.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Enum(e) => format!(
            "enum {{ {} }}",
            e.cases
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Flags(f) => format!(
            "flags {{ {} }}",
            f.flags
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Resource => "resource".to_string(),
        other => other.as_str().to_string(),
    }
}

pub fn primitive(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::U8 => "u8",
        Type::U16 => "u16",
        Type::U32 => "u32",
        Type::U64 => "u64",
        Type::S8 => "s8",
        Type::S16 => "s16",
        Type::S32 => "s32",
        Type::S64 => "s64",
        Type::F32 => "f32",
        Type::F64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::ErrorContext => "error-context",
        Type::Id(_) => "type",
    }
}
