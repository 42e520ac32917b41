//! Containment playbooks. A playbook reads a cluster's objects (a snapshot, or manifests)
//! and writes a [`plan::Plan`]: typed steps, each with the write it would make, the write
//! that undoes it, and the identities RBAC lets make it. Planning never writes; [`apply`]
//! runs a plan against a cluster, journalling each step, and plays the undos back.

pub mod apply;
pub mod breakglass;
pub mod credential;
pub mod deny;
pub mod drill;
pub mod egress;
pub mod exposure;
pub mod harden;
pub mod identity;
pub mod namespace;
pub mod plan;
pub mod vulnerable;

pub use apply::{Journal, StepResult};
pub use plan::{
    Action, Affected, Approval, Check, Consumer, Exposure, ObjectRef, Plan, Principal, Reach, Rotation, Step,
};
