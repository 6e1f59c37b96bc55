//! C: bindings from the `wit-bindgen-c` crate, compiled as a WASI reactor by the wasi-sdk's
//! clang or by `zig cc`. Every `.c` file of the component's folder is compiled on its own
//! (with a dependency file: what it included, wherever that is), then linked with the
//! bindings. The folder, its `include/` and the folders its `include` names are on the
//! include path, next to the generated `<world>.h`. The result is a core module; compose-linker embeds the world and adds the
//! WASI adapter.

use std::path::{Path, PathBuf};
use std::process::Command;

use compose_wit::wit_parser::{Resolve, WorldId};

use crate::process::run;
use crate::{
    BindingOptions, BuildInput, Built, CCompiler, Language, ModuleKind, Output, Profile,
    StringEncoding, ToolchainError, Tools,
};

/// Flags of every compile and link.
const COMMON: &[&str] = &["-target", "wasm32-wasi"];

/// What each profile means for C, the same for every compiler: `NDEBUG` is set or cleared
/// explicitly (zig defines it at -O2, a wasi-sdk clang does not), and zig's default of
/// trapping on undefined behaviour in unoptimised builds is turned off so that both
/// compilers give a program the same meaning. Dev keeps debug information.
fn profile_flags(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Dev => &["-O1", "-g", "-UNDEBUG", "-fno-sanitize=undefined"],
        Profile::Release => &["-O2", "-DNDEBUG"],
    }
}

/// The C library is linked optimised in both profiles (zig builds it once per mode). The
/// stack is 1 MiB, as Rust's on WASI, with either compiler: zig's default is 16 MiB (a
/// 16 MiB memory for every C component, whose reset after each served request cost a third
/// of the server's time), wasm-ld's 64 KiB.
fn link_flags(profile: Profile) -> &'static [&'static str] {
    match profile {
        Profile::Dev => &["-O2", STACK],
        Profile::Release => &["-O2", "-Wl,--strip-debug", STACK],
    }
}

/// A C program's stack (see [`link_flags`]).
const STACK: &str = "-Wl,-z,stack-size=1048576";

/// Added for a library: no `main`, exports only.
const REACTOR: &str = "-mexec-model=reactor";

/// compose's own part of every C build, for [`crate::fingerprint`].
pub fn recipe(profile: Profile) -> String {
    format!(
        "{} {} {} {REACTOR} -c -MD per file",
        COMMON.join(" "),
        profile_flags(profile).join(" "),
        link_flags(profile).join(" ")
    )
}

pub fn build(input: &BuildInput<'_>, tools: &Tools) -> Result<Built, ToolchainError> {
    let cc = tools.c_compiler().ok_or_else(|| ToolchainError::Missing {
        component: input.name.to_string(),
        tool: "C compiler for wasm32-wasi".into(),
        detail: " (no WASI_SDK_PATH, no zig)".into(),
        fix: "run `compose doctor --install` (installs zig from PyPI's `ziglang`), or point WASI_SDK_PATH at a wasi-sdk".into(),
    })?;
    let bindings = fresh_dir(&input.work_dir.join("bindings"))?;
    let objects = fresh_dir(&input.work_dir.join("obj"))?;
    let started = std::time::Instant::now();
    let header = write_bindings(input, &bindings)?;
    let bindings_time = started.elapsed();

    let sources: Vec<PathBuf> = crate::source_files(input.source_dir)
        .map_err(|e| io(format!("read `{}`", input.source_dir.display()), e))?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .map(|p| input.source_dir.join(p))
        .collect();
    if sources.is_empty() {
        return Err(ToolchainError::CompileFailed {
            component: input.name.to_string(),
            tool: cc.kind.into(),
            dir: input.source_dir.display().to_string(),
            output: format!("no `.c` file in `{}`", input.source_dir.display()),
        });
    }
    // A component with a `main` is a command; without, a library (a reactor).
    let kind = if sources.iter().any(|s| defines_main(s)) {
        ModuleKind::Command
    } else {
        ModuleKind::Reactor
    };
    let generated: Vec<PathBuf> = std::fs::read_dir(&bindings)
        .map_err(|e| io("list bindings".into(), e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();

    let mut objs = Vec::new();
    let mut inputs = Vec::new();
    for (i, source) in sources.iter().chain(&generated).enumerate() {
        let obj = objects.join(format!("{i}.o"));
        let dep = objects.join(format!("{i}.d"));
        let mut cmd = compiler(&cc, input, tools);
        cmd.args(profile_flags(input.profile))
            .arg("-I")
            .arg(input.source_dir)
            .arg("-I")
            .arg(&bindings);
        let include = input.source_dir.join("include");
        if include.is_dir() {
            cmd.arg("-I").arg(include);
        }
        for dir in input.include {
            cmd.arg("-I").arg(dir);
        }
        cmd.arg("-c")
            .arg(source)
            .arg("-o")
            .arg(&obj)
            .arg("-MD")
            .arg("-MF")
            .arg(&dep);
        run(cmd, input.name, cc.kind, input.source_dir).map_err(|e| explain_read_only(e, tools))?;
        if let Ok(text) = std::fs::read_to_string(&dep) {
            inputs.extend(crate::depfile::parse(&text));
        }
        objs.push(obj);
    }
    let out = input.work_dir.join("core.wasm");
    let mut link = compiler(&cc, input, tools);
    link.args(link_flags(input.profile));
    if kind == ModuleKind::Reactor {
        link.arg(REACTOR);
    }
    link.args(&objs).arg("-o").arg(&out);
    run(link, input.name, cc.kind, input.source_dir)
        .map_err(|e| explain_missing_export(explain_read_only(e, tools), &header))?;
    let bytes = std::fs::read(&out).map_err(|e| io(format!("read `{}`", out.display()), e))?;
    // The compiler's own headers (zig's or the wasi-sdk's libc) and the generated bindings
    // are not the component's inputs.
    let mut skip = vec![tools.home().to_path_buf(), input.work_dir.to_path_buf()];
    skip.extend(cc.sysroot());
    Ok(Built {
        output: Output::CoreModule {
            bytes,
            kind,
            encoding: input.options.string_encoding,
        },
        inputs: crate::watched(inputs, &skip),
        bindings: Some(bindings_time),
    })
}

/// A compiler command with the common flags. zig caches compiled objects by the files they
/// read last time, so a header added earlier on the include path would go unseen: its
/// local cache is this build's own, and only its global cache (the C library it builds once)
/// is shared.
fn compiler(cc: &CCompiler, input: &BuildInput<'_>, tools: &Tools) -> Command {
    let mut cmd = Command::new(&cc.program);
    cmd.current_dir(input.source_dir)
        .args(&cc.leading_args)
        .args(COMMON);
    if cc.is_zig() {
        if std::env::var_os("ZIG_GLOBAL_CACHE_DIR").is_none() {
            cmd.env("ZIG_GLOBAL_CACHE_DIR", tools.home().join("zig-cache"));
        }
        cmd.env("ZIG_LOCAL_CACHE_DIR", input.work_dir.join("zig-local"));
    }
    cmd
}

/// Generates `<world>.h`/`<world>.c` into `dir`; returns the header's text.
fn write_bindings(input: &BuildInput<'_>, dir: &Path) -> Result<String, ToolchainError> {
    let files = generate(&input.wit.resolve, input.world, input.options).map_err(|e| {
        ToolchainError::Bindings {
            component: input.name.to_string(),
            language: Language::C,
            message: format!("{e:#}"),
        }
    })?;
    let mut header = String::new();
    for (name, contents) in &files {
        std::fs::write(dir.join(name), contents).map_err(|e| io(format!("write `{name}`"), e))?;
        if name.ends_with(".h") {
            header = String::from_utf8_lossy(contents).into_owned();
        }
    }
    // The generated code references symbols that the type object (not generated: compose
    // embeds the world itself) would define; define exactly those, empty.
    let stub: String = files
        .iter()
        .flat_map(|(_, c)| {
            String::from_utf8_lossy(c)
                .lines()
                .filter_map(|l| {
                    let rest = l
                        .trim()
                        .strip_prefix("extern void __component_type_object_force_link_")?;
                    Some(rest.split('(').next()?.to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect::<std::collections::BTreeSet<String>>()
        .iter()
        .map(|name| format!("void __component_type_object_force_link_{name}(void) {{}}\n"))
        .collect();
    std::fs::write(
        dir.join("compose_component_type.c"),
        format!("// Generated by compose.\n{stub}"),
    )
    .map_err(|e| io("write compose_component_type.c".into(), e))?;
    Ok(header)
}

fn fresh_dir(dir: &Path) -> Result<PathBuf, ToolchainError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| io(format!("clean `{}`", dir.display()), e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| io(format!("create `{}`", dir.display()), e))?;
    Ok(dir.to_path_buf())
}

fn defines_main(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("int main(") || l.starts_with("int main (")
        })
    })
}

/// The C bindings `wit-bindgen-c` generates for `world` (`<world>.c`, `<world>.h`), without
/// the type object: compose-linker embeds the world itself, as for every core module.
pub fn generate(
    resolve: &Resolve,
    world: WorldId,
    options: &BindingOptions,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let opts = wit_bindgen_c::Opts {
        no_object_file: true,
        string_encoding: match options.string_encoding {
            StringEncoding::Utf8 => wit_component::StringEncoding::UTF8,
            StringEncoding::Utf16 => wit_component::StringEncoding::UTF16,
            StringEncoding::CompactUtf16 => wit_component::StringEncoding::CompactUTF16,
        },
        no_sig_flattening: options.no_sig_flattening,
        autodrop_borrows: if options.autodrop_borrows {
            wit_bindgen_c::Enabled::Yes
        } else {
            wit_bindgen_c::Enabled::No
        },
        ..Default::default()
    };
    crate::bindings::generate(move || opts.build(), resolve, world)
}

/// zig writes its cache; a read-only cache folder is the environment's problem, not the
/// component's sources'.
fn explain_read_only(error: ToolchainError, tools: &Tools) -> ToolchainError {
    match error {
        ToolchainError::CompileFailed {
            component,
            tool,
            output,
            ..
        } if output.contains("ReadOnlyFileSystem") || output.contains("read-only file system") => {
            ToolchainError::Missing {
                component,
                tool: format!("a writable cache for {tool}"),
                detail: format!(": {}", output.lines().next().unwrap_or_default()),
                fix: format!(
                    "make `{}` writable, or point ZIG_GLOBAL_CACHE_DIR at a writable folder",
                    tools.home().join("zig-cache").display()
                ),
            }
        }
        other => other,
    }
}

/// The linker reports an unimplemented export as `undefined symbol: exports_...`; say which
/// function the world expects, with its declaration from the generated header.
fn explain_missing_export(error: ToolchainError, header: &str) -> ToolchainError {
    error.explained(
        |line| {
            let s = line.split("undefined symbol: ").nth(1)?.trim();
            s.starts_with("exports_").then(|| s.to_string())
        },
        |symbol, failed| ToolchainError::MissingCExport {
            declaration: header
                .lines()
                .find(|l| l.contains(&format!(" {symbol}(")))
                .map(|l| l.trim().trim_end_matches(';').to_string())
                .unwrap_or_else(|| format!("{symbol}(...)")),
            symbol,
            component: failed.component,
            dir: failed.dir,
            output: failed.output,
        },
    )
}

fn io(what: String, source: std::io::Error) -> ToolchainError {
    ToolchainError::Io { what, source }
}
