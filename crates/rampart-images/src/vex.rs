//! OpenVEX documents: a supplier's or the team's statements that an image
//! or a package is `not_affected` by a vulnerability (with a
//! justification) or has it `fixed`. Such statements set the finding
//! aside, with the statement as the reason; `affected` and
//! `under_investigation` leave it standing.
//!
//! A statement applies to a vulnerability (its name, or one of the
//! finding's aliases) of a product: a package purl equal to the finding's
//! (qualifiers and subpath left out, `%3A` read as `:`), or an image
//! (`pkg:oci/...@sha256:...`) whose digest is the report's, either whole
//! or narrowed to `subcomponents` purls. Statements are read in document
//! order and documents in the order given; the last that applies decides,
//! as a later statement updates an earlier one.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::report::{ReportError, Vulnerability};

/// What a statement says of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    /// Whether the statement sets the finding aside.
    pub fn sets_aside(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }
}

/// A product a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// A purl, normalised (see the module).
    pub id: String,
    pub subcomponents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub vulnerability: String,
    pub products: Vec<Product>,
    pub status: VexStatus,
    pub justification: String,
    pub impact: String,
}

/// One OpenVEX document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    pub author: String,
    pub statements: Vec<Statement>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawDocument {
    #[serde(rename = "@context")]
    context: String,
    author: String,
    statements: Vec<RawStatement>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStatement {
    /// `{"name": "CVE-..."}` (v0.2) or the bare name (v0.0.x).
    vulnerability: Value,
    /// Objects with `@id` (v0.2) or bare ids (v0.0.x).
    products: Vec<Value>,
    status: String,
    justification: String,
    impact_statement: String,
}

/// `pkg:oci/alpine@sha256%3A12?arch=amd64#sub` -> `pkg:oci/alpine@sha256:12`.
pub fn normalise_purl(purl: &str) -> String {
    let end = purl.find(['?', '#']).unwrap_or(purl.len());
    purl[..end].replace("%3A", ":").replace("%3a", ":")
}

fn product_of(value: &Value) -> Option<Product> {
    let id = value.as_str().or_else(|| value.get("@id").and_then(Value::as_str))?;
    let subcomponents = value
        .get("subcomponents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|sub| sub.as_str().or_else(|| sub.get("@id").and_then(Value::as_str)))
        .map(normalise_purl)
        .collect();
    Some(Product {
        id: normalise_purl(id),
        subcomponents,
    })
}

/// Reads an OpenVEX document.
pub fn read_openvex(bytes: &[u8]) -> Result<VexDocument, ReportError> {
    let raw: RawDocument = serde_json::from_slice(bytes).map_err(|error| ReportError {
        line: Some(error.line()),
        message: format!("not an OpenVEX document: {error}"),
    })?;
    if !raw.context.starts_with("https://openvex.dev/ns") {
        return Err(ReportError {
            line: None,
            message: "not an OpenVEX document (its `@context` is not https://openvex.dev/ns/...)".to_string(),
        });
    }
    let mut statements = Vec::new();
    for statement in raw.statements {
        let status = match statement.status.as_str() {
            "not_affected" => VexStatus::NotAffected,
            "affected" => VexStatus::Affected,
            "fixed" => VexStatus::Fixed,
            "under_investigation" => VexStatus::UnderInvestigation,
            other => {
                return Err(ReportError {
                    line: None,
                    message: format!("an OpenVEX statement with the unknown status `{other}`"),
                });
            }
        };
        let vulnerability = statement
            .vulnerability
            .as_str()
            .or_else(|| statement.vulnerability.get("name").and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        statements.push(Statement {
            vulnerability,
            products: statement.products.iter().filter_map(product_of).collect(),
            status,
            justification: statement.justification,
            impact: statement.impact_statement,
        });
    }
    Ok(VexDocument {
        author: raw.author,
        statements,
    })
}

impl Statement {
    fn applies(&self, vulnerability: &Vulnerability, image_digests: &BTreeSet<String>) -> bool {
        let named = self.vulnerability == vulnerability.id || vulnerability.aliases.contains(&self.vulnerability);
        if !named {
            return false;
        }
        let package = normalise_purl(&vulnerability.purl);
        self.products.iter().any(|product| {
            let image = product
                .id
                .strip_prefix("pkg:oci/")
                .and_then(|rest| rest.split_once('@'))
                .map(|(_, digest)| image_digests.contains(digest));
            match image {
                Some(true) => {
                    product.subcomponents.is_empty()
                        || (!package.is_empty() && product.subcomponents.contains(&package))
                }
                Some(false) => false,
                None => !package.is_empty() && product.id == package,
            }
        })
    }
}

/// The statement of `documents` that decides for `vulnerability` in the
/// image of `image_digests`: the last that applies.
pub fn deciding_statement<'d>(
    documents: &'d [VexDocument],
    vulnerability: &Vulnerability,
    image_digests: &BTreeSet<String>,
) -> Option<(&'d VexDocument, &'d Statement)> {
    documents
        .iter()
        .flat_map(|document| document.statements.iter().map(move |statement| (document, statement)))
        .rev()
        .find(|(_, statement)| statement.applies(vulnerability, image_digests))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FixState, VulnSeverity};

    fn vulnerability(id: &str, purl: &str) -> Vulnerability {
        Vulnerability {
            id: id.to_string(),
            aliases: vec!["GHSA-xxxx".to_string()],
            severity: VulnSeverity::High,
            package: "libssl3".to_string(),
            purl: purl.to_string(),
            installed: "3.0.8-r3".to_string(),
            fixed: String::new(),
            fix: FixState::NotFixed,
            target: String::new(),
            title: String::new(),
        }
    }

    const DOCUMENT: &str = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "author": "Acme security",
      "statements": [
        {"vulnerability": {"name": "CVE-2023-1255"},
         "products": [{"@id": "pkg:oci/alpine@sha256%3Aaaaa", "subcomponents": [{"@id": "pkg:apk/alpine/libssl3@3.0.8-r3"}]}],
         "status": "not_affected", "justification": "vulnerable_code_not_present"},
        {"vulnerability": "GHSA-xxxx", "products": ["pkg:apk/alpine/libcrypto3@3.0.8-r3"], "status": "fixed"},
        {"vulnerability": {"name": "CVE-2023-9"}, "products": [{"@id": "pkg:oci/shop@sha256:bbbb"}], "status": "not_affected"},
        {"vulnerability": {"name": "CVE-2023-9"}, "products": [{"@id": "pkg:oci/shop@sha256:bbbb"}], "status": "affected"}
      ]}"#;

    #[test]
    fn statements_apply_to_a_package_of_the_image_or_to_the_package_alone() {
        let documents = vec![read_openvex(DOCUMENT.as_bytes()).unwrap()];
        let image = BTreeSet::from(["sha256:aaaa".to_string()]);
        let libssl = vulnerability(
            "CVE-2023-1255",
            "pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64&distro=3.17",
        );
        let (document, statement) = deciding_statement(&documents, &libssl, &image).unwrap();
        assert_eq!(
            (document.author.as_str(), statement.status),
            ("Acme security", VexStatus::NotAffected)
        );
        // Another image's report: the image-scoped statement does not apply.
        assert!(deciding_statement(&documents, &libssl, &BTreeSet::from(["sha256:cccc".to_string()])).is_none());
        // By alias and package purl, whatever the image.
        let libcrypto = vulnerability("CVE-2023-7", "pkg:apk/alpine/libcrypto3@3.0.8-r3");
        assert_eq!(
            deciding_statement(&documents, &libcrypto, &BTreeSet::new()).map(|(_, s)| s.status),
            Some(VexStatus::Fixed)
        );
        // The later statement decides: affected again.
        let whole = vulnerability("CVE-2023-9", "pkg:apk/alpine/zlib@1");
        let deciding = deciding_statement(&documents, &whole, &BTreeSet::from(["sha256:bbbb".to_string()]));
        assert_eq!(deciding.map(|(_, s)| s.status), Some(VexStatus::Affected));
        assert!(!VexStatus::Affected.sets_aside());
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(read_openvex(br#"{"bomFormat": "CycloneDX"}"#).is_err());
        assert!(read_openvex(b"{").unwrap_err().line.is_some());
        let unknown = read_openvex(
            br#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "x", "status": "maybe"}]}"#,
        )
        .unwrap_err();
        assert!(unknown.message.contains("`maybe`"));
    }
}
