//! A running cluster as Rampart judges it: read live with kube-rs
//! ([`live`]), or from snapshots, what `kubectl get <kinds> -A -o json`
//! (or `-o yaml`) writes ([`snapshot`]).
//!
//! Every object is made safe before anything else sees it ([`safe`]):
//! Secrets lose their values, every object loses the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation (on a
//! Secret it holds the values in clear text; that it was there stays
//! known), and managed fields are dropped except on Secrets, whose write
//! times date them. Objects are named
//! `cluster:<context>/<namespace>/<kind>/<name>` in findings.

pub mod access_review;
pub mod inventory_reader;
pub mod live;
pub mod owners;
pub mod pull_secrets;
pub mod safe;
pub mod secret_values;
pub mod snapshot;
pub mod stream;

pub use owners::{Owners, OwnersBuilder, fold, fold_image_uses};
pub use snapshot::{ClusterObject, ObjectMaker, Piece, Read, Snapshot, read_snapshot, stream_snapshot};
