//! Break-glass bindings: how `rampart breakglass grant` names and marks them, so the
//! manifest rules, the cluster audit and the audit-log rules recognise them and their
//! expiry. The expiry is in the binding's name too: an audit event names the binding that
//! allowed a request, and that is all it names.

/// The label every break-glass binding carries (`"true"`).
pub const LABEL: &str = "rampart.dev/breakglass";
/// The annotation holding the expiry (RFC 3339, UTC).
pub const EXPIRES: &str = "rampart.dev/breakglass-expires";
pub const REASON: &str = "rampart.dev/breakglass-reason";
pub const REQUESTER: &str = "rampart.dev/breakglass-requester";
/// Every break-glass binding's name starts so.
pub const PREFIX: &str = "rampart-breakglass-";

/// `rampart-breakglass-<user>-<YYYYMMDDHHMM>`: the user made a DNS label (lowercase
/// letters, digits, dashes; at most 30), and the expiry in UTC minutes.
pub fn binding_name(user: &str, expires: i64) -> String {
    let mut slug: String = user
        .to_ascii_lowercase()
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character
            } else {
                '-'
            }
        })
        .collect();
    slug.truncate(30);
    let slug = slug.trim_matches('-');
    let stamp: String = crate::rfc3339(expires)
        .chars()
        .filter(char::is_ascii_digit)
        .take(12)
        .collect();
    format!("{PREFIX}{}-{stamp}", if slug.is_empty() { "user" } else { slug })
}

/// The expiry a break-glass binding's name carries (Unix seconds); `None` for another name.
pub fn expiry_of_name(name: &str) -> Option<i64> {
    let rest = name.strip_prefix(PREFIX)?;
    let stamp = rest.rsplit('-').next()?;
    if stamp.len() != 12 || !stamp.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:00Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[8..10],
        &stamp[10..12]
    );
    crate::unix_from_rfc3339(&text, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_carries_the_expiry_to_the_minute() {
        let expires = crate::unix_from_rfc3339("2026-12-05T09:30:00Z", false).unwrap();
        let name = binding_name("Alice@Example.com", expires);
        assert_eq!(name, "rampart-breakglass-alice-example-com-202612050930");
        assert_eq!(expiry_of_name(&name), Some(expires));
        assert_eq!(expiry_of_name("rampart-breakglass-alice"), None);
        assert_eq!(expiry_of_name("cluster-admin"), None);
        assert_eq!(binding_name("@@", expires), "rampart-breakglass-user-202612050930");
    }
}
