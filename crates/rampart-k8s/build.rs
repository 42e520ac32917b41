//! Collects each rule file's `//!` documentation so `rampart explain` and
//! `docs/rules/` read the same text the source carries.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let rules_dir = Path::new("src/rules");
    println!("cargo:rerun-if-changed=src/rules");
    let mut docs: Vec<(String, String)> = Vec::new();
    collect(rules_dir, &mut docs);
    docs.sort();
    let mut generated = String::from(
        "/// (rule file stem, its `//!` documentation)\npub(crate) static RULE_DOCS: &[(&str, &str)] = &[\n",
    );
    for (stem, doc) in &docs {
        writeln!(generated, "    ({stem:?}, {doc:?}),").unwrap();
    }
    generated.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_docs.rs");
    std::fs::write(out, generated).unwrap();
}

fn collect(dir: &Path, docs: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, docs);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.file_stem().is_some_and(|s| s == "mod") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let source = std::fs::read_to_string(&path).unwrap();
        let doc: Vec<&str> = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| l.strip_prefix("//! ").or_else(|| l.strip_prefix("//!")).unwrap_or(""))
            .collect();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        docs.push((stem, doc.join("\n").trim().to_string() + "\n"));
    }
}
