//! WAVE text: checked before anything parses it deeply, and values printed in it.

use wasmtime::component::types::Type;
use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
use wasmtime::component::Val;

/// How deep WAVE values may nest (lists in lists, records in records, ...).
pub const MAX_WAVE_DEPTH: usize = 500;

/// Refuses WAVE text that nests deeper than [`MAX_WAVE_DEPTH`] before any parser recurses
/// into it (brackets inside strings and chars are not nesting).
pub fn check_depth(text: &str) -> Result<(), String> {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                c if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_WAVE_DEPTH {
        return Err(format!(
            "the value nests {deepest} levels deep; compose reads WAVE values at most {MAX_WAVE_DEPTH} deep"
        ));
    }
    Ok(())
}

/// Checks the text of a call (`name(args...)`, args in WAVE) without a component: its shape,
/// its depth and its WAVE syntax. Types are checked when it is called.
pub fn check_call(call: &str) -> Result<(), String> {
    let open = call
        .find('(')
        .ok_or_else(|| "expected a call such as `greet(\"Ada\")`".to_string())?;
    check_depth(&call[open..])?;
    UntypedFuncCall::parse(&format!("f{}", &call[open..]))
        .map(drop)
        .map_err(|e| format!("the arguments are not valid WAVE: {e}"))
}

/// Checks a value in WAVE without its type: depth and syntax.
pub fn check_value(text: &str) -> Result<(), String> {
    check_depth(text)?;
    if text.trim().is_empty() {
        return Ok(());
    }
    wasmtime::component::wasm_wave::untyped::UntypedValue::parse(text)
        .map(drop)
        .map_err(|e| format!("not valid WAVE: {e}"))
}

/// Results in WAVE.
pub fn to_wave(values: &[Val]) -> Result<Vec<String>, String> {
    values
        .iter()
        .map(|v| {
            v.to_wave()
                .map_err(|e| format!("a value cannot be shown in WAVE: {e:#}"))
        })
        .collect()
}

/// A WIT-like spelling of a type, for messages.
pub fn type_name(ty: &Type) -> String {
    use Type as T;
    match ty {
        T::Bool => "bool".into(),
        T::S8 => "s8".into(),
        T::U8 => "u8".into(),
        T::S16 => "s16".into(),
        T::U16 => "u16".into(),
        T::S32 => "s32".into(),
        T::U32 => "u32".into(),
        T::S64 => "s64".into(),
        T::U64 => "u64".into(),
        T::Float32 => "f32".into(),
        T::Float64 => "f64".into(),
        T::Char => "char".into(),
        T::String => "string".into(),
        T::List(l) => format!("list<{}>", type_name(&l.ty())),
        T::Record(r) => format!(
            "record {{ {} }}",
            r.fields()
                .map(|f| format!("{}: {}", f.name, type_name(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        T::Option(o) => format!("option<{}>", type_name(&o.ty())),
        T::Stream(st) => match st.ty() {
            Some(item) => format!("stream<{}>", type_name(&item)),
            None => "stream".into(),
        },
        T::Future(f) => match f.ty() {
            Some(item) => format!("future<{}>", type_name(&item)),
            None => "future".into(),
        },
        other => format!("{other:?}")
            .split('(')
            .next()
            .unwrap_or("value")
            .to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_wave_is_refused_before_parsing() {
        assert!(check_depth("[[1], [2, \"[[[\"]]").is_ok());
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_WAVE_DEPTH + 1),
            "]".repeat(MAX_WAVE_DEPTH + 1)
        );
        assert!(check_depth(&deep).unwrap_err().contains("levels deep"));
        assert!(check_call("add(1, 2)").is_ok());
        assert!(check_call("add(1, ").is_err());
        assert!(check_value("{a: 1}").is_ok());
        assert!(check_value("{a: ").is_err());
    }
}
