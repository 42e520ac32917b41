//! Containment playbooks. A playbook reads a cluster's objects (live, a snapshot, or
//! manifests) and writes a [`plan::Plan`]: typed steps, each with the write it would make,
//! the write that undoes it, and the identities RBAC lets make it. Planning never writes;
//! applying a plan journals each step's inverse.

pub mod egress;
pub mod namespace;
pub mod plan;

pub use plan::{Action, ObjectRef, Plan, Step};
