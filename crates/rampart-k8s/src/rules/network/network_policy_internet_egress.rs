//! ## What it checks
//!
//! That no NetworkPolicy egress rule opens the internet: a rule with neither
//! `to` nor `ports` allows every destination, and an `ipBlock` of
//! `0.0.0.0/0` (or `::/0`) allows the whole internet, whatever its `except`
//! carves out: excepting the private ranges (`10.0.0.0/8`, `172.16.0.0/12`,
//! `192.168.0.0/16`) keeps the cluster out, not the internet. A rule
//! limited to ports with no `to` (typically DNS on 53) is not reported.
//!
//! ## Why it matters
//!
//! Unrestricted egress is how stolen data leaves and how malware fetches its
//! next stage; the checklist asks for explicit upstreams only.
//!
//! ## How to fix
//!
//! List the upstreams (`ipBlock` of their ranges, or pod and namespace
//! selectors), or route internet traffic through an egress proxy.
//!
//! ## Example
//!
//! ```yaml
//! egress:
//!   - to:
//!       - ipBlock:
//!           cidr: 203.0.113.0/24   # the payment provider
//!     ports: [{protocol: TCP, port: 443}]
//! ```

use super::super::prelude::*;
use super::is_network_policy;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "network-policy-internet-egress",
        title: "NetworkPolicies must not allow egress to the whole internet",
        severity: Severity::High,
        controls: &[Control::Network],
        pss: None,
        references: &[Reference {
            source: "Kubescape",
            id: "C-0030",
        }],
        fix: "Name the upstreams in `to` (their ranges, or pod and namespace selectors); send the rest through an egress proxy.",
    },
    check: Check::Object(Subjects::Kinds(NETWORK_POLICIES), check),
};

const PRIVATE_RANGES: &[(u32, u8)] = &[(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16)];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_network_policy(object) {
        return;
    }
    let Some(egress) = object.root.get_path("spec.egress") else {
        return;
    };
    for (index, rule) in egress.as_seq().iter().enumerate() {
        let to = rule.get("to").filter(|t| !t.as_seq().is_empty());
        let ports = rule.get("ports").filter(|p| !p.as_seq().is_empty());
        let Some(to) = to else {
            if ports.is_none() {
                out.report(
                    rule.pos,
                    format!("spec.egress[{index}]"),
                    None,
                    format!("egress rule {index} has neither `to` nor `ports`: it allows every destination"),
                );
            }
            continue;
        };
        for (peer_index, peer) in to.as_seq().iter().enumerate() {
            let Some(cidr) = peer.get_path("ipBlock.cidr") else {
                continue;
            };
            let all = matches!(cidr.as_str(), Some("0.0.0.0/0" | "::/0"));
            let excepted: Vec<(u32, u8)> = peer
                .get_path("ipBlock.except")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|e| e.as_str().and_then(parse_ipv4_cidr))
                .collect();
            let private_excepted = PRIVATE_RANGES
                .iter()
                .all(|range| excepted.iter().any(|e| covers(*e, *range)));
            if !all {
                continue;
            }
            let reach = if private_excepted && cidr.as_str() == Some("0.0.0.0/0") {
                "with the private ranges excepted still reaches the whole internet"
            } else {
                "reaches the whole internet and the cluster"
            };
            out.report(
                cidr.pos,
                format!("spec.egress[{index}].to[{peer_index}].ipBlock.cidr"),
                None,
                format!("egress to {} {reach}", cidr.as_str().unwrap_or_default()),
            );
        }
    }
}

fn parse_ipv4_cidr(text: &str) -> Option<(u32, u8)> {
    let (address, prefix) = text.split_once('/')?;
    let address: std::net::Ipv4Addr = address.parse().ok()?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
    Some((u32::from(address), prefix))
}

/// Whether the range `outer` contains the range `inner`.
fn covers(outer: (u32, u8), inner: (u32, u8)) -> bool {
    if outer.1 > inner.1 {
        return false;
    }
    let mask = if outer.1 == 0 { 0 } else { u32::MAX << (32 - outer.1) };
    outer.0 & mask == inner.0 & mask
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_open_rules_and_unexcepted_internet_blocks() {
        let findings = run(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - {}\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [10.0.0.0/8]\n",
        );
        assert_findings(
            &findings,
            &[(8, "spec.egress[0]"), (11, "spec.egress[1].to[0].ipBlock.cidr")],
        );
        assert!(
            findings[1].message.contains("and the cluster"),
            "{}",
            findings[1].message
        );
    }

    #[test]
    fn fires_on_the_internet_minus_the_private_ranges_saying_so() {
        let findings = run(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}]\n",
        );
        assert_findings(&findings, &[(8, "spec.egress[0].to[0].ipBlock.cidr")]);
        assert!(
            findings[0]
                .message
                .contains("private ranges excepted still reaches the whole internet"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_for_dns_and_named_upstreams() {
        assert_quiet(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ok, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{protocol: UDP, port: 53}]\n  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]\n",
        );
    }

    #[test]
    fn cidr_containment() {
        let parse = |t| super::parse_ipv4_cidr(t).unwrap();
        assert!(super::covers(parse("10.0.0.0/8"), parse("10.0.0.0/8")));
        assert!(super::covers(parse("0.0.0.0/0"), parse("192.168.0.0/16")));
        assert!(super::covers(parse("172.16.0.0/12"), parse("172.20.0.0/16")));
        assert!(!super::covers(parse("10.0.0.0/16"), parse("10.0.0.0/8")));
        assert!(super::parse_ipv4_cidr("10.0.0.0/33").is_none());
    }
}
