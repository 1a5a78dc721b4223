//! photoscrub's `src/sys/`, built on its own (see Cargo.toml).

#[path = "../../../../src/sys/mod.rs"]
pub mod sys;
