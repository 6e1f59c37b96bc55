wit_bindgen::generate!({ path: "../wit", world: "textkit-lib" });

use exports::demo::text::textkit::{Counts, Guest};

struct TextKit;

impl Guest for TextKit {
    fn count(text: String) -> Counts {
        Counts {
            words: text.split_whitespace().count() as u32,
            lines: text.lines().count() as u32,
            chars: text.chars().count() as u32,
        }
    }

    fn title_case(text: String) -> String {
        text.split(' ')
            .map(|word| {
                let mut chars = word.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            })
            .collect::<Vec<String>>()
            .join(" ")
    }

    fn longest_words(text: String, limit: u32) -> Vec<String> {
        let mut words: Vec<&str> = text.split_whitespace().collect();
        words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        words.dedup();
        words.into_iter().take(limit as usize).map(str::to_string).collect()
    }
}

export!(TextKit);
