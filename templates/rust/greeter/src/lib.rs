wit_bindgen::generate!({ path: "../wit", world: "greeter-lib" });

struct Greeter;

impl exports::local::{{snake}}::greeter::Guest for Greeter {
    fn greet(name: String) -> String {
        format!("Hello, {name}, from a Rust component!")
    }
}

export!(Greeter);
