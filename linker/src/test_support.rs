//! Components made from WAT for the unit tests.

/// A component importing `imports` and exporting `exports`, each an interface with one
/// function `f: func()`.
pub fn component(imports: &[&str], exports: &[&str]) -> Vec<u8> {
    let mut wat = String::from("(component\n");
    for (i, name) in imports.iter().enumerate() {
        wat.push_str(&format!(
            "(import \"{name}\" (instance $imp{i} (export \"f\" (func))))\n"
        ));
    }
    if !exports.is_empty() {
        wat.push_str(
            "(core module $m (func (export \"f\")))\n(core instance $ci (instantiate $m))\n",
        );
        wat.push_str("(func $f (canon lift (core func $ci \"f\")))\n");
        for (i, name) in exports.iter().enumerate() {
            wat.push_str(&format!(
                "(instance $exp{i} (export \"f\" (func $f)))\n(export \"{name}\" (instance $exp{i}))\n"
            ));
        }
    }
    wat.push(')');
    ::wat::parse_str(&wat).unwrap()
}
