//! Snapshots: the JSON or YAML `kubectl get <kinds> -A -o json|yaml`
//! writes (a `List` with `items`, single objects, several files), read into
//! safe, named objects for the scan pipeline.

use std::path::{Path, PathBuf};

use rampart_core::ScanError;
use serde_json::Value;

use crate::owners::Owners;
use crate::safe::make_safe;

/// One object of the cluster, made safe, as JSON.
#[derive(Debug, Clone)]
pub struct ClusterObject {
    /// `cluster:<context>/<namespace>/<kind>/<name>`, or without the
    /// namespace for cluster-scoped kinds.
    pub name: String,
    pub json: Vec<u8>,
}

/// What the files held, and what could not be read.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub objects: Vec<ClusterObject>,
    pub errors: Vec<ScanError>,
    /// The files read.
    pub files: usize,
    /// Which objects' controllers are in the snapshot too.
    pub owners: Owners,
}

/// Reads `paths` (`-` is standard input) as snapshots of the cluster
/// `context` names. A file that cannot be read or parsed is one error,
/// named with its line where known; the others are still read.
pub fn read_snapshot(paths: &[PathBuf], context: &str) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let mut all = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        let bytes = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map(|_| bytes)
        } else {
            std::fs::read(path)
        };
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(error) => {
                snapshot.errors.push(ScanError::new(&display, None, error.to_string()));
                continue;
            }
        };
        snapshot.files += 1;
        let mut objects = Vec::new();
        if looks_like_json(&bytes) {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => unpack(value, &mut objects),
                Err(error) => snapshot.errors.push(ScanError::new(
                    &display,
                    Some(error.line()),
                    format!("not JSON as kubectl writes it: {error}"),
                )),
            }
        } else {
            let loaded = rampart_k8s::load_bytes(&display, &bytes, &rampart_k8s::LoadOptions::default());
            snapshot.errors.extend(loaded.errors);
            objects.extend(loaded.objects.iter().map(|object| object.root.to_json()));
        }
        drop(bytes);
        for mut object in objects {
            make_safe(&mut object);
            all.push(object);
        }
    }
    snapshot.owners = Owners::of(&all);
    for object in all {
        let name = name_of(context, &object);
        // Pretty, as `kubectl get KIND NAME -o json` prints it: a finding's
        // line is a line of that output.
        match serde_json::to_vec_pretty(&object) {
            Ok(json) => snapshot.objects.push(ClusterObject { name, json }),
            Err(error) => snapshot.errors.push(ScanError::new(&name, None, error.to_string())),
        }
    }
    snapshot
}

fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'{' || *byte == b'[')
}

/// A `List` (or `PodList`, ...) into its items, an array into its
/// elements, an object as itself; anything without a kind is dropped.
fn unpack(value: Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.into_iter().for_each(|item| unpack(item, out)),
        Value::Object(mut map) => {
            let is_list = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.ends_with("List"))
                && map.get("items").is_some_and(Value::is_array);
            if is_list {
                if let Some(Value::Array(items)) = map.remove("items") {
                    items.into_iter().for_each(|item| unpack(item, out));
                }
            } else if map.get("kind").is_some_and(Value::is_string) {
                out.push(Value::Object(map));
            }
        }
        _ => {}
    }
}

/// `cluster:<context>/<namespace>/<kind>/<name>`.
pub fn name_of(context: &str, object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let (kind, name, namespace) = (text("/kind"), text("/metadata/name"), text("/metadata/namespace"));
    if namespace.is_empty() {
        format!("cluster:{context}/{kind}/{name}")
    } else {
        format!("cluster:{context}/{namespace}/{kind}/{name}")
    }
}

/// The context a snapshot's objects are named under when none is given:
/// the first file's stem.
pub fn default_context(paths: &[PathBuf]) -> String {
    paths
        .first()
        .filter(|path| path.as_os_str() != "-")
        .and_then(|path| Path::new(path).file_stem())
        .map_or_else(|| "snapshot".to_string(), |stem| stem.to_string_lossy().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_arrays_and_yaml_streams_unpack_into_named_objects() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("cluster.json");
        std::fs::write(
            &json,
            r#"{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
                {"apiVersion": "v1", "kind": "PodList", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop"}}]},
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
                {"no": "kind"}
            ]}"#,
        )
        .unwrap();
        let yaml = dir.path().join("rbac.yaml");
        std::fs::write(
            &yaml,
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRole\n  metadata: {name: view}\n",
        )
        .unwrap();
        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, "{\n  \"kind\": \"List\",\n  oops\n}").unwrap();
        let snapshot = read_snapshot(&[json, broken, yaml], "prod");
        let names: Vec<&str> = snapshot.objects.iter().map(|object| object.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cluster:prod/shop/Pod/web-1",
                "cluster:prod/Namespace/shop",
                "cluster:prod/ClusterRole/view"
            ]
        );
        assert_eq!(snapshot.files, 3);
        assert_eq!(snapshot.errors.len(), 1);
        assert_eq!(snapshot.errors[0].line, Some(3), "{:?}", snapshot.errors);
        assert!(snapshot.errors[0].path.ends_with("broken.json"));
    }

    #[test]
    fn the_context_defaults_to_the_first_file_s_stem() {
        assert_eq!(default_context(&[PathBuf::from("snaps/prod.json")]), "prod");
        assert_eq!(default_context(&[PathBuf::from("-")]), "snapshot");
    }
}
