//! Shows what art a text picks:
//! `cargo run -p videoagent-art --example pick -- "一只猫在写周报" [kind]`

use videoagent_art::{pick, Kind};

fn main() {
    let mut args = std::env::args().skip(1);
    let text = args.next().unwrap_or_else(|| "一只猫在写周报, a lion and a shark at the beach 🎧".to_string());
    let kind: Kind = args.next().map_or(Kind::Any, |k| k.parse().unwrap_or_else(|e| panic!("{e}")));
    println!("{text}  ({kind})");
    for p in pick(&text, kind) {
        println!("  {:<12} {:<40} {}", p.word, p.art.to_string(), p.kind);
    }
}
