use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// The controls of the hardening checklist (`SPEC.md`). Every rule proves one
/// or more of them; their ids are stable and appear in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Control {
    Isolation,
    Rbac,
    Network,
    Runtime,
    Admission,
    Images,
    Secrets,
    Iac,
    Workload,
    Build,
    Exceptions,
    Evidence,
    Response,
    Detection,
}

impl Control {
    pub const ALL: [Control; 14] = [
        Control::Isolation,
        Control::Rbac,
        Control::Network,
        Control::Runtime,
        Control::Admission,
        Control::Images,
        Control::Secrets,
        Control::Iac,
        Control::Workload,
        Control::Build,
        Control::Exceptions,
        Control::Evidence,
        Control::Response,
        Control::Detection,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Control::Isolation => "isolation",
            Control::Rbac => "rbac",
            Control::Network => "network",
            Control::Runtime => "runtime",
            Control::Admission => "admission",
            Control::Images => "images",
            Control::Secrets => "secrets",
            Control::Iac => "iac",
            Control::Workload => "workload",
            Control::Build => "build",
            Control::Exceptions => "exceptions",
            Control::Evidence => "evidence",
            Control::Response => "response",
            Control::Detection => "detection",
        }
    }

    /// One line saying what the control demands, from the catalogue.
    /// How often the control must run when rampart.toml's `[frequency]` does not say:
    /// drills (the response control's evidence) quarterly, as the articles ask; the rest
    /// on every commit.
    pub fn default_frequency(self) -> &'static str {
        match self {
            Control::Response => "quarterly",
            _ => "every-commit",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Control::Isolation => {
                "each service in its own namespace and service account; nothing in default; token automount off"
            }
            Control::Rbac => "least privilege: no wildcards, no cluster-admin for people or CI",
            Control::Network => "default-deny ingress and egress; explicit allows only",
            Control::Runtime => {
                "non-root, read-only root filesystem, no privilege escalation, capabilities dropped, no host access, seccomp"
            }
            Control::Admission => "Pod Security Admission enforces baseline or restricted everywhere",
            Control::Images => "images pinned by digest, never latest, from allowed registries, signed",
            Control::Secrets => "no credential in git, images, manifests, ConfigMaps or env literals",
            Control::Iac => "infrastructure code scanned before merge",
            Control::Workload => "requests and limits, liveness and readiness probes, TLS on ingress",
            Control::Build => "Dockerfiles: pinned minimal base, non-root USER, no secrets",
            Control::Exceptions => "every accepted risk is justified, owned, approved and expires",
            Control::Evidence => "every control maps to automation, evidence and a frequency",
            Control::Response => "playbooks for leaks, vulnerable images, exposure and compromise",
            Control::Detection => "audit-log signals for exec, secret reads, RBAC changes",
        }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

impl Serialize for Control {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl FromStr for Control {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Control::ALL
            .into_iter()
            .find(|control| control.id() == s)
            .ok_or_else(|| format!("unknown control `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_id_round_trips() {
        for control in Control::ALL {
            assert_eq!(control.id().parse::<Control>(), Ok(control));
            assert!(!control.summary().is_empty());
        }
        assert!("firewall".parse::<Control>().is_err());
    }
}
