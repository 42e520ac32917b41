//! Snapshots: the JSON or YAML `kubectl get <kinds> -A -o json|yaml`
//! writes (a `List` with `items`, single objects, several files), read into
//! safe, named objects for the scan pipeline.

use std::path::{Path, PathBuf};

use rampart_core::ScanError;
use rampart_k8s::yaml::Node;

use std::io::{BufRead, Read as _};
use std::sync::{Arc, Mutex, PoisonError};

use crate::owners::{Owners, OwnersBuilder};
use crate::safe::make_safe;
use crate::stream::{Cut, unpack};

/// One object of the cluster, made safe, ready to judge: its positions
/// are lines of `kubectl get KIND NAME -o json`, its path
/// `cluster:<context>/<namespace>/<kind>/<name>` (without the namespace
/// for cluster-scoped kinds).
#[derive(Debug, Clone)]
pub struct ClusterObject {
    pub name: String,
    pub object: rampart_k8s::Object,
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

/// What reading the files leaves once their pieces are handed on: the
/// errors of files that could not be opened or whose JSON broke.
#[derive(Debug, Default)]
pub struct Read {
    pub errors: Vec<ScanError>,
    pub files: usize,
}

/// A piece of a snapshot as read, not yet parsed or made safe: an element
/// of a JSON file's list, or an object of a YAML file.
#[derive(Debug)]
pub enum Piece {
    Json {
        source: Arc<str>,
        cut: Cut,
        /// The apiVersion and kind of the list it came from: the API
        /// server leaves them out of a typed list's items, and a list of
        /// metadata only calls each item `PartialObjectMetadata`.
        implied: Option<Arc<(String, String)>>,
    },
    Parsed {
        source: Arc<str>,
        node: Node,
    },
}

/// Turns pieces into safe, named objects, from any thread, and remembers
/// who claims which controller.
#[derive(Debug)]
pub struct ObjectMaker {
    context: String,
    owners: Mutex<OwnersBuilder>,
}

/// Sets an item's apiVersion and kind from its list's when it lacks them
/// (or is only `PartialObjectMetadata`), first, as kubectl prints them.
fn imply(node: &mut Node, implied: &(String, String)) {
    use rampart_k8s::yaml::{Entry, Pos, Value};
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    let metadata_only = entries
        .iter()
        .any(|entry| entry.key == "kind" && entry.value.as_str() == Some("PartialObjectMetadata"));
    if metadata_only {
        entries.retain(|entry| entry.key != "kind" && entry.key != "apiVersion");
    }
    let text = |text: &str| Node {
        value: Value::String(text.into()),
        pos: Pos::default(),
    };
    if !entries.iter().any(|entry| entry.key == "kind") {
        entries.insert(
            0,
            Entry {
                key: "kind".into(),
                value: text(&implied.1),
            },
        );
    }
    if !entries.iter().any(|entry| entry.key == "apiVersion") {
        entries.insert(
            0,
            Entry {
                key: "apiVersion".into(),
                value: text(&implied.0),
            },
        );
    }
}

impl ObjectMaker {
    pub fn new(context: &str) -> ObjectMaker {
        ObjectMaker {
            context: context.to_string(),
            owners: Mutex::new(OwnersBuilder::default()),
        }
    }

    /// The piece's objects (a nested List holds several), each made safe
    /// before anything else reads it, or why they could not be made.
    pub fn make(&self, piece: Piece) -> (Vec<ClusterObject>, Vec<ScanError>) {
        let (source, node, placed, implied) = match piece {
            Piece::Parsed { source, node } => (source, node, false, None),
            Piece::Json { source, cut, implied } => match cut.parse() {
                Ok(node) => (source, node, true, implied),
                Err(error) => return (Vec::new(), vec![ScanError::new(&*source, error.line, error.message)]),
            },
        };
        let mut objects = Vec::new();
        let mut errors = Vec::new();
        let mut node = node;
        if let Some(implied) = implied.as_deref() {
            // The piece is one item of a typed list.
            imply(&mut node, implied);
        }
        unpack(node, false, &mut |mut node, nested| {
            make_safe(&mut node);
            let noted = crate::owners::Noted::of(&node);
            let fresh =
                noted.is_none_or(|noted| self.owners.lock().unwrap_or_else(PoisonError::into_inner).note(noted));
            if !fresh {
                // Read already (a list restarted after its continue token
                // expired, overlapping files): judged once.
                return;
            }
            let name = name_of(&self.context, &node);
            let text = |key: &str| node.get(key).and_then(Node::as_str).unwrap_or("").to_string();
            let (api_version, kind) = (text("apiVersion"), text("kind"));
            if api_version.is_empty() {
                errors.push(ScanError::new(
                    &name,
                    None,
                    format!("an object without an apiVersion (in {source})"),
                ));
                return;
            }
            // Placed as `kubectl get KIND NAME -o json` prints it: a
            // finding's line is a line of that output.
            if nested || !placed || implied.is_some() {
                node.place_as_printed_json();
            }
            let object = rampart_k8s::Object::new(api_version, kind, node, Arc::from(name.as_str()));
            objects.push(ClusterObject { name, object });
        });
        (objects, errors)
    }

    /// Which objects' controllers were made too, once every piece is
    /// made (what is made after starts a new tally).
    pub fn take_owners(&self) -> Owners {
        std::mem::take(&mut *self.owners.lock().unwrap_or_else(PoisonError::into_inner)).finish()
    }
}

/// Reads `paths` (`-` is standard input) as snapshots of the cluster
/// `context` names, all at once (see [`stream_snapshot`]).
pub fn read_snapshot(paths: &[PathBuf], context: &str) -> Snapshot {
    let maker = ObjectMaker::new(context);
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    let read = stream_snapshot(paths, &mut |piece| {
        let (mut made, mut failed) = maker.make(piece);
        objects.append(&mut made);
        errors.append(&mut failed);
    });
    errors.extend(read.errors);
    Snapshot {
        objects,
        errors,
        files: read.files,
        owners: maker.take_owners(),
    }
}

/// Reads `paths` (`-` is standard input), handing each piece to `each` as
/// soon as it is read: JSON files are cut element by element and never
/// held whole, so the pieces can be made into objects ([`ObjectMaker`]) in
/// parallel. A file that cannot be read, or whose JSON breaks, is one
/// error naming its line where known; the pieces before the break and the
/// other files are still handed on.
pub fn stream_snapshot(paths: &[PathBuf], each: &mut dyn FnMut(Piece)) -> Read {
    let mut read = Read::default();
    for path in paths {
        let display = path.display().to_string();
        let source: Arc<str> = Arc::from(display.as_str());
        let opened: std::io::Result<Box<dyn BufRead>> = if path.as_os_str() == "-" {
            Ok(Box::new(std::io::BufReader::new(std::io::stdin())))
        } else {
            std::fs::File::open(path)
                .map(|file| Box::new(std::io::BufReader::with_capacity(1 << 16, file)) as Box<dyn BufRead>)
        };
        let mut reader = match opened {
            Ok(reader) => reader,
            Err(error) => {
                read.errors.push(ScanError::new(&display, None, error.to_string()));
                continue;
            }
        };
        read.files += 1;
        let json = match reader.fill_buf() {
            Ok(buffer) => looks_like_json(buffer),
            Err(error) => {
                read.errors.push(ScanError::new(&display, None, error.to_string()));
                continue;
            }
        };
        if json {
            let result = crate::stream::each_cut(reader, &mut |cut| {
                each(Piece::Json {
                    source: source.clone(),
                    cut,
                    implied: None,
                });
            });
            if let Err(error) = result {
                read.errors.push(ScanError::new(&display, error.line, error.message));
            }
        } else {
            let mut bytes = Vec::new();
            if let Err(error) = reader.read_to_end(&mut bytes) {
                read.errors.push(ScanError::new(&display, None, error.to_string()));
                continue;
            }
            let loaded = rampart_k8s::load_bytes(&display, &bytes, &rampart_k8s::LoadOptions::default());
            read.errors.extend(loaded.errors);
            for object in loaded.objects {
                each(Piece::Parsed {
                    source: source.clone(),
                    node: object.root,
                });
            }
        }
    }
    read
}

fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'{' || *byte == b'[')
}

/// `cluster:<context>/<namespace>/<kind>/<name>`.
pub fn name_of(context: &str, object: &Node) -> String {
    let text = |path: &str| object.get_path(path).and_then(Node::as_str).unwrap_or("");
    let (kind, name, namespace) = (text("kind"), text("metadata.name"), text("metadata.namespace"));
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
