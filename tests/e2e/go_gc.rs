use crate::support::*;

/// The Go runtime's collector reads the clock; a collection started inside `cabi_realloc`
/// traps with "cannot leave component instance". compose's GC guard must prevent it for
/// 3,000 calls with 100 KB strings (without the guard this traps within the first calls).
#[test]
fn go_export_survives_3000_calls_with_100kb_strings() {
    let fixture = repo().join("tests/fixtures/go-gc-stress");
    let out = compose_in(&fixture, &["run", "--", "3000", "102400"]).ok();
    assert!(
        out.stdout
            .contains("3000 calls of 102400 bytes: all echoed intact"),
        "{out}"
    );
}
