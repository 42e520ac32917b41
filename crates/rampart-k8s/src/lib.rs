//! Kubernetes manifests for Rampart: loading YAML and JSON with positions,
//! the workload model (pod templates, containers, effective security
//! context), and the manifest rules with their registry.
//!
//! Rules never read files or print: they receive parsed objects and return
//! findings, so the CLI, the admission webhook and the cluster audit share
//! them.

pub mod builtin_roles;
pub mod cluster_facts;
pub mod engine;
pub mod exceptions_file;
pub mod files;
pub mod fixes;
pub mod inventory;
mod lenient;
pub mod loader;
pub mod map;
pub mod object;
pub mod printed_json;
pub mod rbac;
pub mod render;
pub mod rules;
pub mod selector;
pub mod waivers;
pub mod workload;
pub mod yaml;

#[cfg(test)]
mod rule_testing;

pub use engine::{Checked, Condition, Finished, RuleContext, ScanConfig, check_file, check_objects, finish};
pub use inventory::Inventory;
pub use loader::{LoadOptions, LoadedFile, load_bytes};
pub use object::Object;
pub use rules::{Check, Reporter, Rule};
