//! Network exposure by coverage, not by string: which part of the address
//! space a source range lets in, and which ports a rule opens.

use crate::value::Value;

/// Ports whose exposure to the internet is an incident waiting: remote
/// administration and data stores. (name, port)
pub const SENSITIVE_PORTS: &[(&str, u32)] = &[
    ("FTP data", 20),
    ("FTP", 21),
    ("SSH", 22),
    ("Telnet", 23),
    ("SMB", 445),
    ("MSSQL", 1433),
    ("Oracle", 1521),
    ("NFS", 2049),
    ("etcd", 2379),
    ("MySQL", 3306),
    ("RDP", 3389),
    ("PostgreSQL", 5432),
    ("WinRM", 5985),
    ("WinRM", 5986),
    ("Redis", 6379),
    ("Kubernetes API", 6443),
    ("Elasticsearch", 9200),
    ("kubelet", 10250),
    ("Memcached", 11211),
    ("MongoDB", 27017),
];

/// How much of the IPv4 and IPv6 internet a set of source ranges covers:
/// `0.0.0.0/0`, `::/0`, and sets that add up to them (`0.0.0.0/1` plus
/// `128.0.0.0/1`).
pub fn covers_internet<'a>(ranges: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut v4: Vec<(u32, u32)> = Vec::new();
    let mut v6_all = false;
    for range in ranges {
        let range = range.trim();
        if matches!(
            range.to_ascii_lowercase().as_str(),
            "*" | "internet" | "any" | "0.0.0.0"
        ) {
            return Some(range.to_string());
        }
        if range == "::/0" {
            v6_all = true;
            continue;
        }
        if let Some(span) = ipv4_span(range) {
            v4.push(span);
        }
    }
    if v6_all {
        return Some("::/0".to_string());
    }
    v4.sort();
    let mut next: u64 = 0;
    for (start, end) in &v4 {
        if u64::from(*start) > next {
            return None;
        }
        next = next.max(u64::from(*end) + 1);
        if next > u64::from(u32::MAX) {
            let ranges: Vec<String> = v4.iter().map(|(s, e)| format_span(*s, *e)).collect();
            return Some(if ranges.len() == 1 {
                "0.0.0.0/0".to_string()
            } else {
                format!("{} (together the whole internet)", ranges.join(" + "))
            });
        }
    }
    None
}

fn format_span(start: u32, end: u32) -> String {
    let size = u64::from(end) - u64::from(start) + 1;
    let prefix = 32 - size.trailing_zeros().min(32);
    let [a, b, c, d] = start.to_be_bytes();
    format!("{a}.{b}.{c}.{d}/{prefix}")
}

/// The first and last address of an IPv4 CIDR (a bare address is /32).
fn ipv4_span(range: &str) -> Option<(u32, u32)> {
    let (address, length) = match range.split_once('/') {
        Some((address, length)) => (address, length.parse::<u32>().ok()?),
        None => (range, 32),
    };
    if length > 32 {
        return None;
    }
    let octets: Vec<u8> = address.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
    let [a, b, c, d] = octets.as_slice() else {
        return None;
    };
    let base = u32::from_be_bytes([*a, *b, *c, *d]);
    let mask = if length == 0 { 0 } else { u32::MAX << (32 - length) };
    let start = base & mask;
    Some((start, start | !mask))
}

/// The sensitive ports a range opens, or `None` for all of them (all
/// ports or all protocols).
pub fn sensitive_in(from: u32, to: u32) -> Vec<(&'static str, u32)> {
    SENSITIVE_PORTS
        .iter()
        .filter(|(_, port)| (from..=to).contains(port))
        .copied()
        .collect()
}

/// A port range written `"22"`, `"20-25"`, `"*"` or as a number.
pub fn port_range(value: &Value) -> Option<(u32, u32)> {
    if let Value::Number(n) = value {
        let port = *n as u32;
        return Some((port, port));
    }
    let text = value.as_str()?.trim();
    if text == "*" {
        return Some((0, 65535));
    }
    match text.split_once('-') {
        Some((from, to)) => Some((from.trim().parse().ok()?, to.trim().parse().ok()?)),
        None => text.parse().ok().map(|port| (port, port)),
    }
}

/// How a finding names what is open: "all ports", or "SSH (22), RDP (3389)".
pub fn describe_ports(from: u32, to: u32) -> Option<String> {
    if from == 0 && to >= 65535 {
        return Some("all ports".to_string());
    }
    let open = sensitive_in(from, to);
    if open.is_empty() {
        return None;
    }
    let named: Vec<String> = open.iter().map(|(name, port)| format!("{name} ({port})")).collect();
    Some(named.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_internet_by_coverage() {
        assert_eq!(covers_internet(["0.0.0.0/0"]).as_deref(), Some("0.0.0.0/0"));
        assert!(
            covers_internet(["0.0.0.0/1", "128.0.0.0/1"])
                .unwrap()
                .contains("together")
        );
        assert!(covers_internet(["0.0.0.0/1", "128.0.0.0/2"]).is_none());
        assert!(covers_internet(["10.0.0.0/8"]).is_none());
        assert_eq!(covers_internet(["::/0"]).as_deref(), Some("::/0"));
        assert_eq!(covers_internet(["Internet"]).as_deref(), Some("Internet"));
    }

    #[test]
    fn ports() {
        assert_eq!(describe_ports(0, 65535).as_deref(), Some("all ports"));
        assert_eq!(
            describe_ports(21, 25).as_deref(),
            Some("FTP (21), SSH (22), Telnet (23)")
        );
        assert!(describe_ports(443, 443).is_none());
        assert_eq!(port_range(&Value::String("3000-3400".into())), Some((3000, 3400)));
    }
}
