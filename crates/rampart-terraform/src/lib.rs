//! The Terraform engine: configurations evaluated as Terraform plans them
//! ([`eval`]), plan JSON read into the same model ([`plan`]), and the
//! infrastructure rules ([`rules`], one file each) run over every resource
//! instance by [`check`].

pub mod engine;
pub mod eval;
mod functions;
pub mod plan;
pub mod resource;
pub mod rules;
pub mod value;
pub mod waivers;

pub use engine::{Checked, TerraformConfig, check, check_plan, is_plan_json, is_terraform};
pub use rules::Rule;
