//! `rampart policy test`: runs every `test_*` rule of the policies, like
//! `opa test`. A test passes when it evaluates to true.

use regorus::Value;

use crate::PolicySet;

/// One test and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// `data.<package>.test_<name>`.
    pub name: String,
    pub file: String,
    /// Why it failed; `None` when it passed.
    pub failure: Option<String>,
}

impl PolicySet {
    /// Runs the tests of every loaded file, whatever its package.
    pub fn run_tests(&self) -> Vec<TestResult> {
        let mut results = Vec::new();
        for file in &self.files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let Some(package) = package_of(&text) else {
                continue;
            };
            let mut seen = std::collections::HashSet::new();
            for name in test_names(&text) {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let query = format!("data.{package}.{name}");
                let mut engine = self.engine.clone();
                let failure = match engine.eval_rule(query.clone()) {
                    Ok(Value::Bool(true)) => None,
                    Ok(Value::Undefined) => Some("undefined (a condition was false)".to_string()),
                    Ok(other) => Some(format!("evaluated to {}", other.to_json_str().unwrap_or_default())),
                    Err(error) => Some(crate::last_line(&error.to_string())),
                };
                results.push(TestResult {
                    name: query,
                    file: file.display().to_string(),
                    failure,
                });
            }
        }
        results
    }
}

/// The package a Rego file declares.
fn package_of(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("package "))
        .map(|package| package.trim().to_string())
}

/// Rule heads that start with `test_`, at the start of a line.
fn test_names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("test_"))
        .map(|line| {
            line.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}
