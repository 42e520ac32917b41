//! How fast the YAML layer can go: reads every file of a folder, then times,
//! on one core, the parser's events alone (the floor no tree of ours can
//! beat) against `load_bytes` (events, our positioned tree and objects).
//!
//! ```sh
//! cargo run --release -p rampart-k8s --example parse_floor -- target/bench-cross
//! ```

use std::time::Instant;

use rampart_k8s::loader::{LoadOptions, load_bytes};
use saphyr_parser::Parser;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args().nth(1).ok_or("usage: parse_floor FOLDER")?;
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        if path.is_file() {
            texts.push((path.display().to_string(), std::fs::read_to_string(&path)?));
        }
    }
    let megabytes = texts.iter().map(|(_, text)| text.len()).sum::<usize>() as f64 / 1e6;

    let started = Instant::now();
    let mut events = 0usize;
    for (path, text) in &texts {
        for event in Parser::new_from_str(text) {
            event.map_err(|error| format!("{path}: {error}"))?;
            events += 1;
        }
    }
    let parser_seconds = started.elapsed().as_secs_f64();

    let options = LoadOptions::default();
    let started = Instant::now();
    let mut objects = 0usize;
    for (path, text) in &texts {
        objects += load_bytes(path, text.as_bytes(), &options).objects.len();
    }
    let load_seconds = started.elapsed().as_secs_f64();

    println!(
        "{} files, {megabytes:.1} MB, {events} events, {objects} objects",
        texts.len()
    );
    println!(
        "saphyr-parser events only: {parser_seconds:.2} s, {:.1} MB/s per core",
        megabytes / parser_seconds
    );
    println!(
        "load_bytes (events, tree, objects): {load_seconds:.2} s, {:.1} MB/s per core",
        megabytes / load_seconds
    );
    Ok(())
}
