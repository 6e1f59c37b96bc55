//! Make-style dependency files, as cargo (`<artifact>.d`) and C compilers (`-MD -MF`) write
//! them: `target: dep dep \` with continuation lines and `\ ` for a space in a path.

use std::path::PathBuf;

/// Every dependency named in `text` (the targets themselves left out).
pub fn parse(text: &str) -> Vec<PathBuf> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let Some(deps) = split_rule(line) else {
            continue;
        };
        let mut word = String::new();
        let mut chars = deps.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek().is_some_and(|n| *n == ' ' || *n == '#') => {
                    word.push(chars.next().unwrap_or(' '))
                }
                '$' if chars.peek() == Some(&'$') => {
                    chars.next();
                    word.push('$');
                }
                c if c.is_whitespace() => {
                    if !word.is_empty() {
                        out.push(PathBuf::from(std::mem::take(&mut word)));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            out.push(PathBuf::from(word));
        }
    }
    out
}

/// The part of a rule line after its `target:` (an unescaped colon followed by a space or
/// the end of the line).
fn split_rule(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b':'
            && (i == 0 || bytes[i - 1] != b'\\')
            && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
        {
            return Some(&line[i + 1..]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_and_clang_depfiles() {
        let cargo = "/t/app.wasm: /p/src/main.rs /p/../shared/src/lib.rs\n\n/p/src/main.rs:\n";
        assert_eq!(
            parse(cargo),
            vec![
                PathBuf::from("/p/src/main.rs"),
                PathBuf::from("/p/../shared/src/lib.rs")
            ]
        );
        let clang = "obj/0.o: /p/a.c /p/my\\ dir/x.h \\\n  /q/y.h\n";
        assert_eq!(
            parse(clang),
            vec![
                PathBuf::from("/p/a.c"),
                PathBuf::from("/p/my dir/x.h"),
                PathBuf::from("/q/y.h")
            ]
        );
    }
}
