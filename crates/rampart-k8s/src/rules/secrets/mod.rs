//! Secrets rules for manifests.

pub mod no_credential_in_configmap;
pub mod no_literal_secret_env;
pub mod no_secret_in_manifest;
pub mod no_service_account_token_secret;
pub mod secret_last_applied_annotation;
pub mod secret_rotation_overdue;
pub mod secret_shared_across_clusters;
pub mod secret_unused;

use crate::yaml::Node;

const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// Suffixes of names that refer to a credential without holding it.
const REFERENCE_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_ID",
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_HOST",
    "_PORT",
    "_TTL",
    "_TIMEOUT",
    "_EXPIRY",
    "_EXPIRATION",
    "_LENGTH",
    "_TYPE",
    "_HEADER",
    "_REF",
    "_ENABLED",
    "_MODE",
    "_KEY_ID",
    // About a credential, without holding one: who it is for, what it
    // allows, how it is made or kept.
    "_AUDIENCE",
    "_SCOPE",
    "_SCOPES",
    "_ALGORITHM",
    "_ALG",
    "_STORE",
    "_ISSUER",
    "_REALM",
    "_FORMAT",
    "_SIZE",
    "_BITS",
    "_VERSION",
    "_PROVIDER",
    "_METHOD",
    "_POLICY",
    "_DURATION",
    "_LIFETIME",
    "_MAX_AGE",
    "_PREFIX",
    "_NAMESPACE",
    "_SOURCE",
    "_KIND",
    "_BACKEND",
    "_MOUNT",
];

/// Prefixes and suffixes of values that stand for the credential a user
/// is to fill in (`INSERT_ETCD_TOKEN`, `DB_PASSWORD_VAL`, `yourpassword`).
const PLACEHOLDER_PREFIXES: &[&str] = &["insert_", "insert-", "your", "enter_", "put_", "fill_", "<"];
const PLACEHOLDER_SUFFIXES: &[&str] = &["_val", "_value", "_here", "-here", "_placeholder"];

const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "replaceme",
    "replace-me",
    "dummy",
    "example",
    "redacted",
    "none",
    "null",
    "placeholder",
    "todo",
    "tbd",
    "secret",
    "password",
];

pub(crate) fn is_private_key(text: &str) -> bool {
    text.find("BEGIN")
        .is_some_and(|begin| text[begin..].contains("PRIVATE KEY"))
}

pub(crate) fn names_a_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    CREDENTIAL_WORDS.iter().any(|w| upper.contains(w)) && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// The first line of a configuration file held in a value (`.properties`, `.env`, `.ini`,
/// YAML: `name = value`, `name=value`, `name: value`) that sets a credential: its number
/// and the name it sets.
pub(crate) fn credential_line(text: &str) -> Option<(usize, String)> {
    text.lines().enumerate().find_map(|(index, line)| {
        let line = line.trim().trim_start_matches("export ");
        if line.starts_with(['#', ';', '!', '[']) {
            return None;
        }
        let at = line.find(['=', ':'])?;
        let (name, value) = (line[..at].trim(), line[at + 1..].trim());
        let plain_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        (plain_name && names_a_credential(name) && text_looks_like_a_credential(name, value))
            .then(|| (index + 1, name.to_string()))
    })
}

/// Whether `value`, set for the variable or key `name`, looks like a real
/// credential rather than a setting, a reference or a placeholder.
pub(crate) fn looks_like_a_credential(name: &str, value: &Node) -> bool {
    // Booleans, numbers and nulls are settings, not credentials.
    value
        .as_str()
        .is_some_and(|text| text_looks_like_a_credential(name, text))
}

/// [`looks_like_a_credential`] for a value read as text (a line of a configuration file).
pub(crate) fn text_looks_like_a_credential(name: &str, text: &str) -> bool {
    let text = text.trim().trim_matches(['"', '\'']);
    if text.len() < 4 {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if PLACEHOLDERS.contains(&lower.as_str()) || lower.bytes().all(|b| b == b'x' || b == b'*') {
        return false;
    }
    let normalised = |text: &str| text.to_ascii_lowercase().replace('-', "_");
    let is_placeholder = PLACEHOLDER_PREFIXES.iter().any(|p| lower.starts_with(p))
        || PLACEHOLDER_SUFFIXES.iter().any(|s| lower.ends_with(s))
        // A value equal to its name: `API_TOKEN=API_TOKEN`.
        || normalised(text) == normalised(name);
    if is_placeholder {
        return false;
    }
    let is_reference =
        (text.starts_with("$(") || text.starts_with("${") || text.starts_with("{{") || text.starts_with('<'))
            && (text.ends_with(')') || text.ends_with('}') || text.ends_with('>'));
    let is_path = text.starts_with('/');
    let is_boolean_word = matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "enabled" | "disabled");
    !(is_reference || is_path || is_boolean_word || text.parse::<f64>().is_ok())
}

/// What a credential looks like without showing it: its length, the
/// classes of characters in it and how random it reads, for a reviewer to
/// tell a real key from a word.
pub(crate) fn shape_of(text: &str) -> String {
    let mut classes = Vec::new();
    if text.bytes().any(|b| b.is_ascii_lowercase()) {
        classes.push("lowercase");
    }
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        classes.push("uppercase");
    }
    if text.bytes().any(|b| b.is_ascii_digit()) {
        classes.push("digits");
    }
    if text.bytes().any(|b| b.is_ascii_punctuation()) {
        classes.push("symbols");
    }
    if text.bytes().any(|b| !b.is_ascii()) {
        classes.push("non-ASCII");
    }
    format!(
        "{} characters: {}; {:.1} bits of entropy per byte",
        text.chars().count(),
        classes.join(", "),
        rampart_core::shannon_entropy(text.as_bytes())
    )
}

/// `scheme://user:password@host`: a URL that carries its password.
pub(crate) fn url_with_password(text: &str) -> bool {
    text.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '?', '#', ' ', '\n']).next().unwrap_or("");
        authority.rsplit_once('@').is_some_and(|(userinfo, _)| {
            userinfo
                .split_once(':')
                .is_some_and(|(user, password)| !user.is_empty() && !password.is_empty() && !password.starts_with('$'))
        })
    })
}
