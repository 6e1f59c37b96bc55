wit_bindgen::generate!({ path: "../wit", world: "app" });

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    println!("{}", local::{{snake}}::greeter::greet(&name));
}
