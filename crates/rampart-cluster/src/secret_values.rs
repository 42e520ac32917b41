//! The one place an audit reads Secret values, and only when the user asks
//! (`rampart audit --compare-secret-values`): each value is hashed with a
//! key drawn for the run (HMAC-SHA256, `rampart_core::keyed_hash`) as soon
//! as it is decoded, and only the hash is kept, to find values that Secrets
//! of different clusters share. Values and hashes are never printed or
//! written; the key dies with the process.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use rampart_core::{FingerprintKey, ScanError, keyed_hash};
use rampart_k8s::cluster_facts::SharedValue;
use serde::Deserialize;

use crate::live::{Connection, ListOptions, Served, list};
use crate::snapshot::Piece;

/// One value's keyed hash and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedValue {
    pub namespace: String,
    pub name: String,
    pub key: String,
    pub hash: String,
}

#[derive(Deserialize)]
struct SecretItem {
    #[serde(default)]
    metadata: Metadata,
    #[serde(default, rename = "type")]
    secret_type: String,
    #[serde(default)]
    data: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    name: String,
}

/// Secret types whose values are per cluster by construction or records,
/// not credentials a person chose.
const NOT_COMPARED_TYPES: &[&str] = &[
    "kubernetes.io/service-account-token",
    "helm.sh/release.v1",
    "bootstrap.kubernetes.io/token",
];

/// Words in a key that name a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "dockerconfigjson",
    "dockercfg",
    "private",
    "apikey",
    "cookie",
    "salt",
    "dsn",
];

/// Whether `value` under `key` is worth comparing: a credential, not a
/// public certificate, a user name or a flag.
pub fn is_compared(key: &str, value: &[u8]) -> bool {
    let lower = key.to_ascii_lowercase();
    if matches!(lower.as_str(), "ca.crt" | "tls.crt" | "namespace") || value.len() < 8 {
        return false;
    }
    if value.starts_with(b"-----BEGIN CERTIFICATE") || value.starts_with(b"-----BEGIN PUBLIC KEY") {
        return false;
    }
    let named = CREDENTIAL_WORDS.iter().any(|word| lower.contains(word));
    named || looks_random(value)
}

/// Twenty bytes or more of a token's alphabet: letters and digits, either
/// both cases (base64) or hexadecimal, varied enough; not host names,
/// paths or words.
fn looks_random(value: &[u8]) -> bool {
    let has = |test: fn(&u8) -> bool| value.iter().any(test);
    let hexadecimal = value
        .iter()
        .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte) || *byte == b'-');
    value.len() >= 20
        && has(u8::is_ascii_digit)
        && has(u8::is_ascii_alphabetic)
        && !has(u8::is_ascii_whitespace)
        && ((has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase)) || hexadecimal)
        && rampart_core::shannon_entropy(value) >= 3.5
}

/// The keyed hashes of the compared values of every Secret of the cluster
/// (of `namespaces`, or all). A list the identity may not read is an error.
pub async fn hash_secret_values(
    connection: &Connection,
    namespaces: &[String],
    key: &FingerprintKey,
    options: &ListOptions,
) -> Result<Vec<HashedValue>, ScanError> {
    let served = Served {
        api_version: "v1".to_string(),
        kind: "Secret".to_string(),
        plural: "secrets".to_string(),
        namespaced: true,
        metadata_only: false,
    };
    let mut hashed = Vec::new();
    let mut hash_piece = |piece: Piece| {
        let Piece::Json { cut, .. } = piece else {
            return;
        };
        let Ok(item) = serde_json::from_slice::<SecretItem>(&cut.bytes) else {
            return;
        };
        if NOT_COMPARED_TYPES.contains(&item.secret_type.as_str()) {
            return;
        }
        for (data_key, encoded) in &item.data {
            let Ok(value) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
                continue;
            };
            if is_compared(data_key, &value) {
                hashed.push(HashedValue {
                    namespace: item.metadata.namespace.clone(),
                    name: item.metadata.name.clone(),
                    key: data_key.clone(),
                    hash: keyed_hash(key, &[&value]),
                });
            }
        }
    };
    let scopes: Vec<Option<&str>> = if namespaces.is_empty() {
        vec![None]
    } else {
        namespaces.iter().map(|namespace| Some(namespace.as_str())).collect()
    };
    for scope in scopes {
        list(connection, &served, scope, options, &mut hash_piece).await?;
    }
    Ok(hashed)
}

/// For each cluster (context, its hashed values), the values some other
/// cluster holds too, each naming where.
pub fn shared_between(clusters: &[(String, Vec<HashedValue>)]) -> Vec<Vec<SharedValue>> {
    let mut by_hash: BTreeMap<&str, Vec<(usize, &HashedValue)>> = BTreeMap::new();
    for (index, (_, values)) in clusters.iter().enumerate() {
        for value in values {
            by_hash.entry(value.hash.as_str()).or_default().push((index, value));
        }
    }
    let mut shared: Vec<Vec<SharedValue>> = vec![Vec::new(); clusters.len()];
    for holders in by_hash.values() {
        let clusters_holding: BTreeSet<usize> = holders.iter().map(|(index, _)| *index).collect();
        if clusters_holding.len() < 2 {
            continue;
        }
        for (index, value) in holders {
            let elsewhere: Vec<String> = holders
                .iter()
                .filter(|(other, _)| other != index)
                .map(|(other, held)| {
                    format!(
                        "{}: {}/{} key {}",
                        clusters[*other].0, held.namespace, held.name, held.key
                    )
                })
                .collect();
            shared[*index].push(SharedValue {
                namespace: value.namespace.clone(),
                name: value.name.clone(),
                key: value.key.clone(),
                elsewhere,
            });
        }
    }
    for values in &mut shared {
        values.sort_by(|a, b| (&a.namespace, &a.name, &a.key).cmp(&(&b.namespace, &b.name, &b.key)));
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashed(namespace: &str, name: &str, key: &str, hash: &str) -> HashedValue {
        HashedValue {
            namespace: namespace.to_string(),
            name: name.to_string(),
            key: key.to_string(),
            hash: hash.to_string(),
        }
    }

    #[test]
    fn credentials_are_compared_and_public_or_plain_values_are_not() {
        assert!(is_compared("password", b"hunter2-long"));
        assert!(is_compared(
            ".dockerconfigjson",
            br#"{"auths":{"r.example.com":{"auth":"eDp5"}}}"#
        ));
        assert!(is_compared("DATABASE_URL", b"postgres://app:Zq8#kLm2vP9x@db:5432/app"));
        assert!(!is_compared("password", b"short"));
        assert!(!is_compared("ca.crt", b"-----BEGIN CERTIFICATE-----\nMIIB..."));
        assert!(!is_compared(
            "bundle",
            b"-----BEGIN CERTIFICATE-----\nMIIBxjCCAW2gAwIBAgIU"
        ));
        assert!(!is_compared("username", b"postgres-admin"));
        assert!(!is_compared("host", b"db.shop.svc.cluster.local"));
        assert!(!is_compared("endpoint", b"db-01.prod.example.com:5432"));
        assert!(is_compared("DD_APP", b"9f86d081884c7d659a2feaa0c55ad015"));
        assert!(is_compared("CLIENT", b"AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMI"));
    }

    #[test]
    fn values_held_in_two_clusters_are_shared_and_name_each_other() {
        let clusters = vec![
            (
                "staging".to_string(),
                vec![
                    hashed("shop", "db", "password", "h1"),
                    hashed("shop", "api", "token", "h2"),
                ],
            ),
            (
                "prod".to_string(),
                vec![
                    hashed("shop", "db-prod", "password", "h1"),
                    hashed("shop", "api", "token", "h3"),
                ],
            ),
            // Within one cluster a repeated value is not this rule's.
            (
                "dev".to_string(),
                vec![hashed("a", "x", "token", "h4"), hashed("b", "y", "token", "h4")],
            ),
        ];
        let shared = shared_between(&clusters);
        assert_eq!(
            shared[0],
            vec![SharedValue {
                namespace: "shop".to_string(),
                name: "db".to_string(),
                key: "password".to_string(),
                elsewhere: vec!["prod: shop/db-prod key password".to_string()],
            }]
        );
        assert_eq!(
            shared[1][0].elsewhere,
            vec!["staging: shop/db key password".to_string()]
        );
        assert!(shared[2].is_empty());
    }
}
