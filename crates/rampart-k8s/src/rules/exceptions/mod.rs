//! Rules about the exceptions process itself: waivers must say why.

pub mod waiver_without_reason;
