//! ## What it checks
//!
//! Instructions that turn off the checks that make a download
//! trustworthy: TLS verification (`curl -k`/`--insecure`, `wget
//! --no-check-certificate`, `pip --trusted-host`, `git -c
//! http.sslVerify=false`, `npm`/`yarn` `strict-ssl false`, and the
//! variables `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
//! `GIT_SSL_NO_VERIFY`, `NPM_CONFIG_STRICT_SSL=false`, `PIP_TRUSTED_HOST`
//! in `ENV` or a `RUN`), and package signature checks (`apk
//! --allow-untrusted`, `apt-get --allow-unauthenticated`/`--force-yes`/
//! `--allow-insecure-repositories`, `Acquire::https::Verify-Peer=false`,
//! `[trusted=yes]` sources, `yum`/`dnf --nogpgcheck`, `rpm
//! --nosignature`, `sslverify=0`).
//!
//! ## Why it matters
//!
//! Anyone on the network path (a proxy, a poisoned mirror, a hijacked DNS
//! answer) can then swap what the build downloads and installs; an `ENV`
//! keeps the check off for the running application too.
//!
//! ## How to fix
//!
//! Install the CA the network needs (`COPY corp-ca.crt
//! /usr/local/share/ca-certificates/` and `update-ca-certificates`)
//! instead of turning verification off; import the repository's signing
//! key instead of skipping signatures.
//!
//! ## Example
//!
//! ```dockerfile
//! COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt
//! RUN update-ca-certificates && curl -fsSLo tool.tgz https://internal.example.com/tool.tgz
//! ```
//!
//! ## Fix safety
//!
//! The build fails where the certificate or signature is really wrong,
//! which is the point.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};
use crate::shell::{SimpleCommand, commands};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-tls-verification-off",
        title: "Downloads must keep TLS and signature checks on",
        severity: Severity::High,
        controls: &[Control::Build],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_2",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_3",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_4",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_5",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_6",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_7",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_8",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_9",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_10",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_11",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_12",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_13",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_14",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_15",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_16",
            },
        ],
        fix: "Trust the network's CA (update-ca-certificates) and the repository's key instead of turning checks off.",
    },
    check,
    source: include_str!("tls_verification_off.rs"),
};

/// A variable that turns a check off with this value.
fn disabling_variable(name: &str, value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => value == "0",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" => value == "false",
        "GIT_SSL_NO_VERIFY" => !value.is_empty() && value != "0" && value != "false",
        "PIP_TRUSTED_HOST" => !value.is_empty(),
        _ => false,
    }
}

/// What a command turns off, if anything.
fn disabled_by(command: &SimpleCommand) -> Option<&'static str> {
    let command = command.unwrapped();
    let args = command.args();
    let has = |word: &str| {
        args.iter()
            .any(|arg| arg == word || arg.starts_with(&format!("{word}=")))
    };
    let lower_args = || args.iter().map(|arg| arg.to_ascii_lowercase());
    match command.program() {
        "curl" if command.has_option(Some('k'), "insecure") => Some("curl -k turns TLS verification off"),
        "wget" if has("--no-check-certificate") => Some("wget --no-check-certificate turns TLS verification off"),
        "pip" | "pip3" | "python" | "python3" if has("--trusted-host") => {
            Some("pip --trusted-host turns TLS verification off for that host")
        }
        "git" if lower_args().any(|arg| arg.contains("sslverify=false") || arg == "http.sslverify") => {
            Some("git http.sslVerify false turns TLS verification off")
        }
        "npm" | "yarn" | "pnpm" if strict_ssl_off(args) => {
            Some("strict-ssl false turns TLS verification off for the package manager")
        }
        "apk" if has("--allow-untrusted") => Some("apk --allow-untrusted skips package signatures"),
        "apt-get" | "apt" | "aptitude"
            if has("--allow-unauthenticated") || has("--force-yes") || has("--allow-insecure-repositories") =>
        {
            Some("apt installs unauthenticated packages")
        }
        "apt-get" | "apt" if lower_args().any(|arg| arg.contains("verify-peer=false")) => {
            Some("apt Acquire::https::Verify-Peer=false turns TLS verification off")
        }
        "yum" | "dnf" | "microdnf" | "tdnf" | "zypper" if has("--nogpgcheck") || has("--no-gpg-checks") => {
            Some("the package manager skips GPG signatures")
        }
        "rpm" if has("--nosignature") || has("--nodigest") || has("--nogpgcheck") => {
            Some("rpm skips package signatures")
        }
        _ => None,
    }
}

/// `config set strict-ssl false` or `--strict-ssl=false`.
fn strict_ssl_off(args: &[String]) -> bool {
    args.iter().any(|arg| arg.eq_ignore_ascii_case("--strict-ssl=false"))
        || args
            .windows(2)
            .any(|pair| pair[0].eq_ignore_ascii_case("strict-ssl") && pair[1].eq_ignore_ascii_case("false"))
}

/// What a script turns off: a command, a variable set inline, or a
/// repository configuration it writes.
fn script_disables(script: &str) -> Option<&'static str> {
    if let Some(reason) = commands(script).find_map(|command| disabled_by(&command)) {
        return Some(reason);
    }
    for word in script.split(|c: char| c.is_whitespace() || c == ';' || c == '&') {
        if let Some((name, value)) = word.split_once('=')
            && disabling_variable(name, value.trim_matches(['"', '\'']))
        {
            return Some("an environment variable turns TLS verification off");
        }
    }
    let lower = script.to_ascii_lowercase();
    if lower.contains("[trusted=yes]") {
        return Some("an apt source marked [trusted=yes] skips signatures");
    }
    if lower.contains("sslverify=0") || lower.contains("sslverify=false") || lower.contains("gpgcheck=0") {
        return Some("a repository configuration turns TLS or signature verification off");
    }
    None
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in &file.stages {
        for instruction in &stage.instructions {
            match &instruction.kind {
                Kind::Run { script, .. } => {
                    if let Some(reason) = script_disables(script) {
                        out.report(stage, instruction.line, "RUN", format!("RUN: {reason}"));
                    }
                }
                Kind::Env(pairs) => {
                    for (name, value) in pairs.iter().filter(|(name, value)| disabling_variable(name, value)) {
                        out.report(
                            stage,
                            instruction.line,
                            format!("ENV {name}"),
                            format!("ENV `{name}={value}` turns verification off for every process of the image"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_insecure_downloads_variables_and_signature_bypasses() {
        assert_hits(
            &super::RULE,
            "FROM debian:12\nRUN curl -fsSLk https://x -o y\nRUN wget --no-check-certificate https://x\nRUN pip install --trusted-host pypi.example.com x\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\nRUN apt-get install -y --allow-unauthenticated x\nRUN apk add --allow-untrusted x.apk\nRUN dnf install -y --nogpgcheck x\nRUN GIT_SSL_NO_VERIFY=true git clone https://x\nRUN npm config set strict-ssl false\nRUN echo 'deb [trusted=yes] http://x ./' > /etc/apt/sources.list.d/x.list\n",
            &[
                (2, "RUN"),
                (3, "RUN"),
                (4, "RUN"),
                (5, "ENV NODE_TLS_REJECT_UNAUTHORIZED"),
                (6, "RUN"),
                (7, "RUN"),
                (8, "RUN"),
                (9, "RUN"),
                (10, "RUN"),
                (11, "RUN"),
            ],
        );
    }

    #[test]
    fn quiet_for_verified_downloads() {
        assert_quiet(
            &super::RULE,
            "FROM debian:12\nRUN curl -fsSL https://x -o y && wget -q https://x\nENV NODE_TLS_REJECT_UNAUTHORIZED=1 GIT_SSL_NO_VERIFY=0\nRUN pip install --no-cache-dir x && apk add --no-cache curl\nRUN echo keep -k flags of other tools && tar -k -xf x.tar\nRUN npm config set strict-ssl true\n",
        );
    }
}
