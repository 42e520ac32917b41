//! `rampart policy test`: the policies' own tests.

use std::path::PathBuf;

use owo_colors::OwoColorize;
use rampart_core::Outcome;
use rampart_policy::PolicySet;

#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of the policies, like `opa test`; exit 1 when
    /// one fails.
    Test {
        /// Folders or files of `.rego` policies.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

pub fn run(command: &PolicyCommand) -> Outcome {
    let PolicyCommand::Test { paths } = command;
    let set = match PolicySet::load(paths, &["*".to_string()]) {
        Ok(set) => set,
        Err(errors) => {
            for error in errors {
                eprintln!("rampart: {error}");
            }
            return Outcome::Error;
        }
    };
    let results = set.run_tests();
    let mut failed = 0;
    let mut out = anstream::stdout().lock();
    for result in &results {
        use std::io::Write;
        let line = match &result.failure {
            None => format!("{} {}", "PASS".green(), result.name),
            Some(reason) => {
                failed += 1;
                format!("{} {} ({}): {reason}", "FAIL".red().bold(), result.name, result.file)
            }
        };
        if writeln!(out, "{line}").is_err() {
            return Outcome::Error;
        }
    }
    println!("{} passed, {failed} failed", results.len() - failed);
    if failed > 0 { Outcome::Fail } else { Outcome::Pass }
}
