//! What a finding may say about a secret: a redacted form and a keyed
//! fingerprint. The secret itself leaves only with `--show-secrets`.

pub use rampart_core::FingerprintKey;
use rampart_core::keyed_hash;

/// Keyed hash of rule, path and secret: the same secret in the same file
/// keeps its fingerprint when lines move. 32 hex digits.
pub fn fingerprint(key: &FingerprintKey, rule: &str, path: &str, secret: &[u8]) -> String {
    keyed_hash(key, &[rule.as_bytes(), path.as_bytes(), secret])
}

/// A few leading characters and the length: enough to recognise a token's
/// kind (`ghp_`, `AKIA`), never enough to use it.
pub fn redact(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let length = text.chars().count();
    let shown = match length {
        0..=11 => 0,
        12..=19 => 2,
        _ => 4,
    };
    let prefix: String = text.chars().take(shown).filter(|c| !c.is_control()).collect();
    format!("{prefix}…({length} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_shows_at_most_four_characters() {
        assert_eq!(redact(b"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"), "ghp_…(40 chars)");
        assert_eq!(redact(b"hunter2"), "…(7 chars)");
        assert_eq!(redact(b"0123456789abcd"), "01…(14 chars)");
    }

    #[test]
    fn fingerprints_depend_on_key_rule_path_and_secret() {
        let base = fingerprint(&FingerprintKey::DEFAULT, "github-pat", "a.env", b"s3cr3t");
        assert_eq!(base.len(), 32);
        assert_eq!(
            base,
            fingerprint(&FingerprintKey::DEFAULT, "github-pat", "a.env", b"s3cr3t")
        );
        assert_ne!(
            base,
            fingerprint(&FingerprintKey::DEFAULT, "github-pat", "b.env", b"s3cr3t")
        );
        assert_ne!(
            base,
            fingerprint(&FingerprintKey::DEFAULT, "gitlab-pat", "a.env", b"s3cr3t")
        );
        assert_ne!(
            base,
            fingerprint(&FingerprintKey::DEFAULT, "github-pat", "a.env", b"s3cr3T")
        );
        assert_ne!(
            base,
            fingerprint(&FingerprintKey::from_bytes([7; 32]), "github-pat", "a.env", b"s3cr3t")
        );
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        assert_ne!(
            fingerprint(&FingerprintKey::DEFAULT, "r", "ab", b"c"),
            fingerprint(&FingerprintKey::DEFAULT, "r", "a", b"bc")
        );
    }
}
