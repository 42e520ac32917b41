//! The signature rules, one per file with its documentation.

mod signature_invalid;
mod signature_missing;
mod signature_unmatched;
mod signed_by_untrusted;

use rampart_core::RuleMeta;

pub use signature_invalid::SIGNATURE_INVALID;
pub use signature_missing::SIGNATURE_MISSING;
pub use signature_unmatched::SIGNATURE_UNMATCHED;
pub use signed_by_untrusted::SIGNED_BY_UNTRUSTED;

/// The signature rules, with their documentation.
pub const RULES: &[(&RuleMeta, &str)] = &[
    (&SIGNATURE_MISSING, signature_missing::DOC),
    (&SIGNATURE_INVALID, signature_invalid::DOC),
    (&SIGNED_BY_UNTRUSTED, signed_by_untrusted::DOC),
    (&SIGNATURE_UNMATCHED, signature_unmatched::DOC),
];
