//! ## What it checks
//!
//! AWS security group ingress that lets the internet reach remote
//! administration or a data store: SSH, RDP, Telnet, FTP, SMB, WinRM,
//! the Kubernetes API, kubelet, etcd, and the databases and caches
//! (MySQL, PostgreSQL, MSSQL, Oracle, Redis, MongoDB, Elasticsearch,
//! Memcached), or all ports and protocols. Inline `ingress` blocks
//! (`dynamic` ones expanded), `aws_security_group_rule` with `type =
//! "ingress"` and `aws_vpc_security_group_ingress_rule` are read alike.
//! "The internet" is judged by coverage, not by string: `0.0.0.0/0`,
//! `::/0`, and ranges that add up to them (`0.0.0.0/1` and `128.0.0.0/1`).
//! A port range is open for every sensitive port inside it. `self = true`
//! or a source security group in the same rule does not hide a public
//! range beside it. A range that depends on a value known only after
//! apply is reported as not evaluated.
//!
//! ## Why it matters
//!
//! Internet-wide scanners find an open SSH or database port within
//! minutes; brute force, credential stuffing and the next unauthenticated
//! exploit follow. Checkov misses rules written with `dynamic` blocks and
//! passes a whole group when one rule says `self = true`; neither Checkov
//! nor Trivy adds up split ranges.
//!
//! ## How to fix
//!
//! Allow the port from the networks that need it (a VPN, a bastion's
//! security group, the load balancer's), or remove it and reach hosts
//! through SSM Session Manager.
//!
//! ## Example
//!
//! ```hcl
//! ingress {
//!   from_port       = 5432
//!   to_port         = 5432
//!   protocol        = "tcp"
//!   security_groups = [aws_security_group.app.id]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off whoever connected from outside the allowed sources: check
//! the flow logs first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::{covers_internet, describe_ports};
use super::{Context, Reporter, Rule};
use crate::resource::{Body, Resource};
use crate::value::Value;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-security-group-open-ingress",
        title: "Security groups must not open admin or data ports to all",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_24",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_25",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_277",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0107",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-no-public-ingress-sgr",
            },
        ],
        fix: "Allow the port only from the networks or security groups that need it.",
    },
    kinds: &[
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    ],
    check,
    source: include_str!("aws_security_group_open_ingress.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    match resource.kind.as_str() {
        "aws_security_group" => {
            for (index, block) in resource.body.blocks("ingress").iter().enumerate() {
                judge(
                    &block.body,
                    block.line,
                    &format!("ingress[{index}]"),
                    &["cidr_blocks", "ipv6_cidr_blocks"],
                    out,
                );
            }
        }
        "aws_security_group_rule" => {
            if resource.body.str("type") == Some("ingress") {
                judge(
                    &resource.body,
                    resource.line,
                    "",
                    &["cidr_blocks", "ipv6_cidr_blocks"],
                    out,
                );
            }
        }
        _ => judge(&resource.body, resource.line, "", &["cidr_ipv4", "cidr_ipv6"], out),
    }
}

/// One ingress rule: its sources and its ports.
fn judge(body: &Body, line: usize, prefix: &str, source_fields: &[&str], out: &mut Reporter) {
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let mut ranges: Vec<&str> = Vec::new();
    let mut range_line = line;
    for name in source_fields {
        let Some(attr) = body.attr(name) else {
            continue;
        };
        if let Some(unknown) = attr.value.first_unknown() {
            out.could_not_evaluate(attr.line, field(name), unknown);
            return;
        }
        range_line = attr.line;
        ranges.extend(attr.value.strings());
    }
    let Some(internet) = covers_internet(ranges) else {
        return;
    };
    let protocol = body.value("protocol").or_else(|| body.value("ip_protocol"));
    if let Some(unknown) = protocol.and_then(Value::first_unknown) {
        out.could_not_evaluate(line, field("protocol"), unknown);
        return;
    }
    let all_protocols = protocol
        .and_then(|value| value.to_template_string())
        .is_some_and(|protocol| protocol == "-1" || protocol.eq_ignore_ascii_case("all"));
    let (from, to) = if all_protocols {
        (0, 65535)
    } else {
        let from = body.value("from_port");
        let to = body.value("to_port");
        if let Some(unknown) = from.into_iter().chain(to).find_map(Value::first_unknown) {
            out.could_not_evaluate(line, field("from_port"), unknown);
            return;
        }
        let from = from.and_then(Value::as_number).unwrap_or(0.0) as u32;
        let to = to.and_then(Value::as_number).unwrap_or(f64::from(from)) as u32;
        // from_port = to_port = 0 with a protocol means every port.
        if from == 0 && to == 0 { (0, 65535) } else { (from, to) }
    };
    let Some(ports) = describe_ports(from, to) else {
        return;
    };
    let severity = if ports == "all ports" {
        Severity::Critical
    } else {
        Severity::High
    };
    out.report_with_severity(
        severity,
        range_line,
        field("cidr_blocks"),
        format!("ingress from {internet} opens {ports} to the internet"),
    );
}

#[cfg(test)]
mod tests {
    use rampart_core::Severity;

    use crate::rules::testing::*;

    #[test]
    fn fires_on_inline_dynamic_split_and_standalone_rules() {
        let hits = run(
            &super::RULE,
            &[(
                "main.tf",
                r#"
variable "admin_ports" {
  default = [22, 3389]
}
resource "aws_security_group" "web" {
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  dynamic "ingress" {
    for_each = var.admin_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/1", "128.0.0.0/1"]
    }
  }
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    self        = true
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 20
  to_port     = 25
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}
resource "aws_vpc_security_group_ingress_rule" "redis" {
  security_group_id = aws_security_group.web.id
  from_port   = 6379
  to_port     = 6379
  ip_protocol = "tcp"
  cidr_ipv6   = "::/0"
}
"#,
            )],
        );
        assert_eq!(
            lines_and_fields(&hits),
            [
                (10, "ingress[0].cidr_blocks"),
                (18, "ingress[1].cidr_blocks"),
                (18, "ingress[2].cidr_blocks"),
                (26, "ingress[3].cidr_blocks"),
                (34, "cidr_blocks"),
                (42, "cidr_blocks"),
            ],
            "{hits:#?}"
        );
        assert_eq!(hits[0].severity, Some(Severity::Critical));
        assert!(
            hits[1].message.contains("together the whole internet"),
            "{}",
            hits[1].message
        );
        assert!(hits[4].message.contains("SSH (22)"));
    }

    #[test]
    fn quiet_for_private_ranges_web_ports_and_groups() {
        assert_quiet(
            &super::RULE,
            r#"
resource "aws_security_group" "web" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/1"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
        );
    }

    #[test]
    fn a_range_known_only_after_apply_is_said_not_passed() {
        let hits = run(
            &super::RULE,
            &[(
                "main.tf",
                "variable \"cidr\" {}\nresource \"aws_security_group\" \"a\" {\n  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n    cidr_blocks = [var.cidr]\n  }\n}\n",
            )],
        );
        assert_eq!(lines_and_fields(&hits), [(7, "ingress[0].cidr_blocks")]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
        assert!(hits[0].message.contains("depends on var.cidr"), "{}", hits[0].message);
    }
}
