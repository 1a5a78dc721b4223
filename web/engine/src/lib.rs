//! photoscrub-core for the web page (`web/page/`), exported as plain
//! `extern "C"` functions that `web/page/engine.js` calls.
//!
//! Why not wasm-bindgen: the interface is a few functions that move bytes
//! and JSON text. Hand-written glue is a page of JavaScript anyone can read,
//! and building needs only cargo and the wasm32 target — no generator whose
//! version must match a crate's.
//!
//! One worker of the page owns one instance and cleans one file at a time:
//! 1. [`exports::ps_plan`]: the page names the dropped file by its size;
//!    the engine reads it through the host's `ps_read` ([`blob`]) — a photo
//!    whole, a video in ranges — and returns the plan: JSON pieces that
//!    point into the new bytes ([`exports::ps_new_ptr`]) or at ranges of
//!    the file.
//! 2. The page assembles the cleaned file as a `Blob` of those pieces (a
//!    video's media data never enters this memory) and reads back the
//!    bytes it put there itself.
//! 3. [`exports::ps_verify`]: the engine runs `photoscrub_core::verify` on
//!    the plan's output — a photo's assembled in memory from the bytes it
//!    read, a video's read in ranges ([`planned`]) — and returns the
//!    report, with a photo's CRC-32 for the ZIP; a video's CRC the page
//!    streams through [`exports::ps_crc`].

#![deny(unsafe_code)]

mod blob;
pub mod crc32;
mod engine;
mod exports;
#[cfg(any(target_arch = "wasm32", test))]
mod memcmp;
mod planned;
pub mod report;
pub mod summary;
