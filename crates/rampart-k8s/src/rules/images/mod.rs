//! Image rules: tags, digests, registries.

pub mod image_blocked;
pub mod image_digest_pinned;
pub mod image_registry_allowed;
pub mod image_tag_drift;
pub mod image_tag_not_latest;

pub(crate) use rampart_core::ImageRef;
