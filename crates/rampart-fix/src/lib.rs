//! Fixes written into the user's YAML. A fix is a set of byte edits computed from the
//! parser's spans, never a re-serialisation: everything outside the edited spans (comments,
//! key order, quoting, indentation, document separators, line endings) is kept byte for
//! byte, as ruff applies its fixes. What cannot be edited that way (a path through an
//! anchor, alias, tag or merge key; a block scalar) is refused with the reason, for a
//! person to fix.

pub mod edit;
pub mod fixer;
pub mod patches;
pub mod source;

pub use edit::{Edit, Path, Step, apply, remove_key, set_value};
pub use fixer::{Change, FileFix, FixOptions, Left, REMOVED, fix, fix_text, write};
pub use patches::{PatchForm, Patches, component, patches};
pub use source::{Entry, Shape, SourceNode, documents};
