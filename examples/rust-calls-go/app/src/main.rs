wit_bindgen::generate!({ path: "../wit", world: "app" });

use demo::greet::greeter::{greet, Person};

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    let greeting = greet(&Person {
        name,
        languages: vec!["Rust".to_string(), "Go".to_string()],
    });
    println!("{}", greeting.text);
    println!("({} letters; tags: {})", greeting.letters, greeting.tags.join(", "));
}
