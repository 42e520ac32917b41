//! ## What it checks
//!
//! `RUN` lines that run a script straight from the network: `curl` or
//! `wget` piped into a shell or interpreter (`sh`, `bash`, `python`,
//! `perl`…), and a shell fed a download by command or process
//! substitution (`sh -c "$(curl …)"`, `bash <(curl …)`). Heredoc bodies
//! are read too. No peer checks this (hadolint's DL4006 only asks for
//! `pipefail`).
//!
//! ## Why it matters
//!
//! The script is whatever the server sends at that moment, run as the
//! build's user (often root) with no integrity check and nothing kept to
//! review; a truncated download runs half a script.
//!
//! ## How to fix
//!
//! Download to a file, verify its checksum or signature, then run it; or
//! install the tool from a package repository or a pinned release.
//!
//! ## Example
//!
//! ```dockerfile
//! RUN curl -fsSLo install.sh https://example.com/install.sh \
//!  && echo "3f1c…  install.sh" | sha256sum -c - \
//!  && sh install.sh
//! ```
//!
//! ## Fix safety
//!
//! Safe: the same script runs once verified.

use rampart_core::{Control, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};
use crate::shell::pipelines;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-pipe-to-shell",
        title: "RUN must not pipe a download into a shell",
        severity: Severity::Medium,
        controls: &[Control::Build],
        pss: None,
        references: &[],
        fix: "Download to a file, verify its checksum or signature, then run it.",
    },
    check,
    source: include_str!("pipe_to_shell.rs"),
};

const DOWNLOADERS: &[&str] = &["curl", "wget", "fetch"];
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node", "php",
];

/// The downloader and the interpreter, when the script runs a download.
fn runs_download(script: &str) -> Option<(String, String)> {
    let pipelines = pipelines(script);
    for pipeline in &pipelines {
        let downloader = pipeline
            .iter()
            .position(|command| DOWNLOADERS.contains(&command.unwrapped().program()));
        if let Some(at) = downloader
            && let Some(shell) = pipeline[at + 1..]
                .iter()
                .map(|command| command.unwrapped())
                .find(|command| INTERPRETERS.contains(&command.program()))
        {
            return Some((
                pipeline[at].unwrapped().program().to_string(),
                shell.program().to_string(),
            ));
        }
    }
    // `sh -c "$(curl …)"`: the download is quoted into the shell's word.
    for command in pipelines.iter().flatten().map(|command| command.unwrapped()) {
        if !INTERPRETERS.contains(&command.program()) {
            continue;
        }
        for downloader in DOWNLOADERS {
            let substituted = [format!("$({downloader} "), format!("`{downloader} ")];
            if command
                .args()
                .iter()
                .any(|arg| substituted.iter().any(|s| arg.contains(s.as_str())))
            {
                return Some((downloader.to_string(), command.program().to_string()));
            }
        }
    }
    // `bash <(curl …)`: the download is its own command right after the
    // shell's.
    for pair in pipelines.windows(2) {
        let (shell, download) = (pair[0].last()?.unwrapped(), pair[1].first()?.unwrapped());
        let fed = script.contains(&format!("$({}", download.words.first()?))
            || script.contains(&format!("<({}", download.words.first()?));
        if INTERPRETERS.contains(&shell.program()) && DOWNLOADERS.contains(&download.program()) && fed {
            return Some((download.program().to_string(), shell.program().to_string()));
        }
    }
    None
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in &file.stages {
        for instruction in &stage.instructions {
            let Kind::Run { script, .. } = &instruction.kind else {
                continue;
            };
            if let Some((downloader, shell)) = runs_download(script) {
                out.report(
                    stage,
                    instruction.line,
                    "RUN",
                    format!("RUN feeds a `{downloader}` download straight to `{shell}`, unverified"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_pipes_and_substitutions() {
        assert_hits(
            &super::RULE,
            "FROM alpine:3.20\nRUN curl -fsSL https://get.example.com | sh\nRUN wget -qO- https://x | sudo bash -s -- --yes\nRUN sh -c \"$(curl -fsSL https://x)\"\nRUN bash <(curl -s https://x)\nRUN <<EOT\nset -e\ncurl https://x | python3 -\nEOT\n",
            &[(2, "RUN"), (3, "RUN"), (4, "RUN"), (5, "RUN"), (6, "RUN")],
        );
    }

    #[test]
    fn quiet_for_verified_downloads() {
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20\nRUN curl -fsSLo i.sh https://x && echo 'abc  i.sh' | sha256sum -c - && sh i.sh\nRUN curl -s https://x | tar xz\nRUN echo 'curl x | sh' > notes.txt\n",
        );
    }
}
