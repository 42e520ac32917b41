//! What makes a match not a secret: too little randomness, a placeholder or
//! template reference, a documentation example, and for the catch-all rules
//! identifiers, hashes and UUIDs. Also the inline allow comments.

pub use rampart_core::shannon_entropy;

/// Words that mark a value as an example, a placeholder or a redaction.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "sample",
    "dummy",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "redacted",
    "replace_me",
    "replaceme",
    "insert_",
    "notasecret",
    "not_a_secret",
    "not-a-secret",
    "fake",
    "xxxx",
    "****",
    "....",
    "____",
    "<",
    "${",
    "{{",
    "$(",
    "%s",
    "%(",
    "#{",
];

/// Whether the value is a placeholder, a template or variable reference, a
/// documentation example, or too regular to be random.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|word| memchr::memmem::find(&lower, word.as_bytes()).is_some())
    {
        return true;
    }
    if secret.first() == Some(&b'$') {
        return true;
    }
    is_repetitive(&lower) || is_sequential(&lower)
}

/// Few distinct characters for its length: `aaaaaaaa`, `abababab`.
fn is_repetitive(value: &[u8]) -> bool {
    if value.len() < 8 {
        return false;
    }
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &byte in value {
        if !seen[byte as usize] {
            seen[byte as usize] = true;
            distinct += 1;
        }
    }
    distinct <= 3
}

/// A run like `abcdefgh`, `12345678` or `0123456789abcdef` makes up the
/// value.
fn is_sequential(value: &[u8]) -> bool {
    const RUNS: &[&[u8]] = &[
        b"abcdefghijklmnopqrstuvwxyz",
        b"0123456789abcdef0123456789abcdef",
        b"123456789012345678901234567890",
        b"qwertyuiopqwertyuiop",
    ];
    if value.len() < 8 {
        return false;
    }
    RUNS.iter().any(|run| {
        value
            .windows(8)
            .filter(|window| memchr::memmem::find(run, window).is_some())
            .count()
            * 2
            >= value.len().saturating_sub(7)
    })
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
pub fn is_uuid(value: &[u8]) -> bool {
    value.len() == 36
        && value.iter().enumerate().all(|(index, &byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// Words of a key name that, after the secret word, say the value is
/// about a secret rather than the secret: `secret_name`, `token_hash`,
/// `password_file`, `api_key_id`.
const DESCRIBING_WORDS: &[&str] = &[
    "hash",
    "sha",
    "sha1",
    "sha256",
    "digest",
    "checksum",
    "integrity",
    "fingerprint",
    "uuid",
    "length",
    "len",
    "name",
    "names",
    "path",
    "file",
    "dir",
    "url",
    "uri",
    "ref",
    "type",
    "format",
    "field",
    "header",
    "param",
    "pattern",
    "regex",
    "policy",
    "count",
    "ttl",
    "timeout",
    "prefix",
    "label",
    "id",
    "ids",
    "version",
    "expiry",
    "expires",
    "expiration",
    "min",
    "max",
    "size",
    "enabled",
    "mode",
    "rotation",
    "env",
    "var",
    "key",
    "provider",
    "store",
    "manager",
    "arn",
    "hint",
    "location",
    "source",
    "kind",
    "mount",
    "selector",
    "template",
    "endpoint",
    "server",
    "host",
    "issuer",
    "audience",
    "scope",
    "scopes",
    "method",
    "algorithm",
    "alg",
    "usage",
    "lifetime",
    "duration",
    "validity",
    "strength",
    "complexity",
    "reset",
    "question",
    "prompt",
    "text",
    "message",
    "description",
    "title",
    "error",
    "required",
    "encoding",
    "cipher",
    "rule",
    "rules",
    "config",
];

/// Words of a key name that make every value of it a non-secret.
const NON_SECRET_WORDS: &[&str] = &["public", "example", "sample", "placeholder", "dummy", "fake", "pub"];

/// Words that name a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "creds",
    "auth",
    "pat",
];

/// Splits `dbPassword_hash`, `api-key.id` into lower-case words.
fn key_words(key: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for &byte in key {
        if !byte.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if byte.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = byte.is_ascii_lowercase() || byte.is_ascii_digit();
        current.push(byte.to_ascii_lowercase() as char);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// For catch-all rules: is this key/value pair something other than a
/// hard-coded credential?
pub fn generic_value_is_benign(key: &[u8], value: &[u8]) -> bool {
    let words = key_words(key);
    if words.iter().any(|word| NON_SECRET_WORDS.contains(&word.as_str())) {
        return true;
    }
    if let Some(last_secret) = words.iter().rposition(|word| SECRET_WORDS.contains(&word.as_str()))
        && words[last_secret + 1..]
            .iter()
            .any(|word| DESCRIBING_WORDS.contains(&word.as_str()))
    {
        return true;
    }
    if is_uuid(value) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_slice(),
        b"true" | b"false" | b"null" | b"none" | b"nil" | b"undefined" | b"password" | b"secret" | b"token"
    ) {
        return true;
    }
    // Credentials inside URLs have their own rule.
    memchr::memmem::find(value, b"://").is_some()
        || looks_like_identifier(value)
        || looks_like_code(value)
        || looks_like_path(value)
}

/// A constant, a type or a member access rather than a literal:
/// `IKEEXT_CREDENTIAL0`, `windows_sys::core::PWSTR`, `self.or1_token.clone`,
/// `0x8055000B_u32`.
fn looks_like_code(value: &[u8]) -> bool {
    let is_identifier = |segment: &[u8]| {
        !segment.is_empty()
            && segment.len() <= 32
            && (segment[0].is_ascii_alphabetic() || segment[0] == b'_')
            && segment.iter().all(|&byte| byte.is_ascii_alphanumeric() || byte == b'_')
    };
    let constant = value.contains(&b'_')
        && value
            .iter()
            .all(|&byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_');
    let hex_literal = value.starts_with(b"0x") || value.starts_with(b"0X");
    let scoped = memchr::memmem::find(value, b"::").is_some() || memchr::memmem::find(value, b"->").is_some();
    let member_access = value.contains(&b'.')
        && value
            .split(|&byte| byte == b'.')
            .all(|segment| is_identifier(segment) || (!segment.is_empty() && segment.iter().all(u8::is_ascii_digit)));
    constant || hex_literal || scoped || member_access
}

/// Source files, where a credential is a string literal: an unquoted value
/// after `key:` or `key =` is a type, a parameter or an expression.
pub fn is_source_code(path: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "rs", "go", "java", "kt", "kts", "scala", "c", "h", "cc", "cpp", "hpp", "cxx", "cs", "fs", "swift", "m", "mm",
        "ts", "tsx", "js", "jsx", "mjs", "cjs", "py", "rb", "php", "pl", "lua", "dart", "ex", "exs", "erl", "hs", "ml",
        "clj", "groovy", "vue", "svelte", "zig", "nim", "r", "jl",
    ];
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, extension)| EXTENSIONS.iter().any(|known| extension.eq_ignore_ascii_case(known)))
}

/// `settings.DB_PASSWORD`, `os.environ`, `MY_SECRET_NAME`, `getToken`:
/// letters, underscores, dots and dashes only, no digit, a code reference
/// rather than a random value.
fn looks_like_identifier(value: &[u8]) -> bool {
    let no_digits = !value.iter().any(u8::is_ascii_digit);
    let identifier_chars = value
        .iter()
        .all(|&byte| byte.is_ascii_alphabetic() || matches!(byte, b'_' | b'.' | b'-'));
    if !(no_digits && identifier_chars) {
        return false;
    }
    // A long mixed-case run of letters can still be random (`QmFzZTY0SGVsbG8`);
    // an identifier changes case rarely.
    let case_changes = value
        .windows(2)
        .filter(|pair| pair[0].is_ascii_lowercase() && pair[1].is_ascii_uppercase())
        .count();
    value.len() < 24 || case_changes * 6 < value.len()
}

fn looks_like_path(value: &[u8]) -> bool {
    value.starts_with(b"/") || value.starts_with(b"./") || value.starts_with(b"~/") || value.starts_with(b"../")
}

/// The comments that allow a finding on their line.
const ALLOW_MARKERS: &[&str] = &["rampart:allow", "gitleaks:allow", "pragma: allowlist secret"];
const ALLOW_NEXT_LINE_MARKER: &str = "pragma: allowlist nextline secret";

/// Whether the line (or, for detect-secrets' `nextline` form, the line
/// before it) allows the finding.
pub fn allowed_inline(line: &[u8], previous_line: Option<&[u8]>) -> bool {
    ALLOW_MARKERS
        .iter()
        .any(|marker| memchr::memmem::find(line, marker.as_bytes()).is_some())
        || previous_line
            .is_some_and(|previous| memchr::memmem::find(previous, ALLOW_NEXT_LINE_MARKER.as_bytes()).is_some())
}

/// Files that hold hashes and ids, never credentials: lock files.
pub fn path_is_allowed(path: &str) -> bool {
    const LOCK_FILES: &[&str] = &[
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "Cargo.lock",
        "go.sum",
        "poetry.lock",
        "Pipfile.lock",
        "composer.lock",
        "Gemfile.lock",
        "mix.lock",
        "flake.lock",
        "packages.lock.json",
        "uv.lock",
    ];
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    LOCK_FILES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_examples_are_recognised() {
        for value in [
            "AKIAIOSFODNN7EXAMPLE",
            "<your-token>",
            "${GITHUB_TOKEN}",
            "{{ .Values.password }}",
            "$(cat /run/secret)",
            "xxxxxxxxxxxxxxxxxxxx",
            "changeme",
            "abcdefghijklmnop",
            "1234567890123456",
            "ghp_************************************",
        ] {
            assert!(is_placeholder(value.as_bytes()), "{value}");
        }
        for value in ["Zq3kV9pL2xR7mN4tB8wY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"] {
            assert!(!is_placeholder(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn generic_filters_pass_random_values_and_drop_references() {
        assert!(!generic_value_is_benign(b"db_password", b"Zq3kV9pL2xR7mN4tB8wY"));
        assert!(!generic_value_is_benign(
            b"api_token",
            b"9f86d081884c7d659a2feaa0c55ad015"
        ));
        assert!(generic_value_is_benign(b"password", b"settings.DB_PASSWORD"));
        assert!(generic_value_is_benign(b"token", b"MY_TOKEN_NAME"));
        assert!(generic_value_is_benign(b"secret_name", b"Zq3kV9pL2xR7mN4tB8wY"));
        assert!(generic_value_is_benign(b"token_hash", b"Zq3kV9pL2xR7mN4tB8wY"));
        assert!(generic_value_is_benign(b"client_secret", b"/etc/secrets/client"));
        assert!(generic_value_is_benign(b"localCredentials", b"IKEEXT_CREDENTIAL0"));
        assert!(generic_value_is_benign(b"pszPassword", b"windows_sys::core::PWSTR"));
        assert!(generic_value_is_benign(b"or1_token", b"self.or1_token.clone"));
        assert!(generic_value_is_benign(b"ERROR_PASSWORD", b"0x8055000B_u32"));
        assert!(!generic_value_is_benign(b"SECRET", b"Zq3k.V9pL2xR7mN4tB8wY+/"));
        assert!(generic_value_is_benign(
            b"secret",
            b"123e4567-e89b-12d3-a456-426614174000"
        ));
        assert!(generic_value_is_benign(b"public_key", b"Zq3kV9pL2xR7mN4tB8wY"));
        assert!(generic_value_is_benign(b"apiKeyId", b"Zq3kV9pL2xR7mN4tB8wY"));
        assert!(!generic_value_is_benign(b"PROD_ENV_PASSWORD", b"Zq3kV9pL2xR7mN4tB8wY"));
        assert!(!generic_value_is_benign(b"USERNAME_PASSWORD", b"Zq3kV9pL2xR7mN4tB8wY"));
    }

    #[test]
    fn inline_allow_comments() {
        assert!(allowed_inline(b"token = 'abc' # rampart:allow", None));
        assert!(allowed_inline(b"token = 'abc' // gitleaks:allow", None));
        assert!(allowed_inline(b"x", Some(b"# pragma: allowlist nextline secret")));
        assert!(!allowed_inline(b"token = 'abc'", Some(b"# nothing")));
    }

    #[test]
    fn source_files_are_recognised_by_extension() {
        assert!(is_source_code("src/main.rs"));
        assert!(is_source_code("web/App.TSX"));
        assert!(!is_source_code("deploy/.env"));
        assert!(!is_source_code("config/app.yaml"));
    }

    #[test]
    fn lock_files_are_skipped() {
        assert!(path_is_allowed("web/package-lock.json"));
        assert!(path_is_allowed("Cargo.lock"));
        assert!(!path_is_allowed("config/secrets.yaml"));
    }
}
