//! The mutating endpoint's one change (`rampart serve --pin-image-digests`): each image a
//! workload names by tag, once its policies verified the digest the tag names, is rewritten
//! to `name:tag@digest`, so the cluster pulls the digest that was verified rather than
//! whatever the tag names later (policy-controller and Kyverno's `mutateDigest` do the same).
//! An image not verified, not governed, or not checked in time is left as written: the
//! validating endpoint judges it.

use std::collections::HashMap;

use rampart_core::{ImageRef, ImageUse};
use serde_json::{Value, json};

/// `spec.template.spec.containers[0].image` as the JSON pointer
/// `/spec/template/spec/containers/0/image`.
pub fn pointer_of(field: &str) -> String {
    let mut pointer = String::with_capacity(field.len() + 4);
    for part in field.split('.') {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        pointer.push('/');
        pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
        for index in indexes.split('[') {
            let index = index.trim_end_matches(']');
            if !index.is_empty() {
                pointer.push('/');
                pointer.push_str(index);
            }
        }
    }
    pointer
}

/// Whether `image` names no digest (so there is something to pin).
pub fn unpinned(image: &str) -> bool {
    ImageRef::parse(image).digest.is_none()
}

/// The JSON Patch replacing each use of a verified image (`digests`: image as written →
/// verified digest) in `object`; a field whose value is not the image the use names is left
/// alone.
pub fn patch_for(object: &Value, uses: &[ImageUse], digests: &HashMap<&str, &str>) -> Vec<Value> {
    let mut operations = Vec::new();
    for image_use in uses {
        let Some(digest) = digests.get(image_use.image.as_str()) else {
            continue;
        };
        if !unpinned(&image_use.image) {
            continue;
        }
        let pointer = pointer_of(&image_use.field);
        if object.pointer(&pointer).and_then(Value::as_str) != Some(image_use.image.as_str()) {
            continue;
        }
        let operation = json!({"op": "replace", "path": pointer, "value": format!("{}@{digest}", image_use.image)});
        if !operations.contains(&operation) {
            operations.push(operation);
        }
    }
    operations
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn image_use(field: &str, image: &str) -> ImageUse {
        ImageUse {
            resource: Arc::new(rampart_core::ResourceRef {
                api_version: "v1".to_string(),
                kind: "Pod".to_string(),
                namespace: None,
                name: "web".to_string(),
            }),
            path: Arc::from("admission"),
            container: "app".to_string(),
            image: image.to_string(),
            line: 1,
            column: 1,
            field: field.to_string(),
        }
    }

    #[test]
    fn fields_become_pointers() {
        assert_eq!(
            pointer_of("spec.template.spec.containers[0].image"),
            "/spec/template/spec/containers/0/image"
        );
        assert_eq!(
            pointer_of("spec.jobTemplate.spec.template.spec.initContainers[12].image"),
            "/spec/jobTemplate/spec/template/spec/initContainers/12/image"
        );
        assert_eq!(pointer_of("spec.containers[1].image"), "/spec/containers/1/image");
    }

    #[test]
    fn only_verified_tags_at_their_own_field_are_pinned() {
        let digest = "sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075";
        let object = json!({"spec": {"containers": [
            {"name": "app", "image": "ghcr.io/acme/shop:1.4"},
            {"name": "side", "image": "ghcr.io/acme/side:2"},
            {"name": "pinned", "image": format!("ghcr.io/acme/shop@{digest}")}
        ]}});
        let uses = [
            image_use("spec.containers[0].image", "ghcr.io/acme/shop:1.4"),
            image_use("spec.containers[1].image", "ghcr.io/acme/side:2"),
            image_use("spec.containers[2].image", &format!("ghcr.io/acme/shop@{digest}")),
            // A use whose field holds another value (the object changed): left alone.
            image_use("spec.containers[1].image", "ghcr.io/acme/shop:1.4"),
        ];
        let pinned_image = format!("ghcr.io/acme/shop@{digest}");
        let digests = HashMap::from([("ghcr.io/acme/shop:1.4", digest), (pinned_image.as_str(), digest)]);
        let patch = patch_for(&object, &uses, &digests);
        assert_eq!(
            patch,
            [
                json!({"op": "replace", "path": "/spec/containers/0/image", "value": format!("ghcr.io/acme/shop:1.4@{digest}")})
            ]
        );
        assert!(patch_for(&object, &uses, &HashMap::new()).is_empty());
    }
}
