//! The functions the page calls (see `web/page/engine.js`). Each answers
//! 1 for success and 0 for a refusal; the details are JSON text at
//! `ps_text_ptr`/`ps_text_len`.

// `#[no_mangle]` is the only reason for this allow: no unsafe block here.
#![allow(unsafe_code)]

use crate::crc32::Crc32;
use crate::engine::Engine;
use std::cell::RefCell;

thread_local! {
    // A wasm instance runs on one thread: the worker that owns it.
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
}

fn with<T>(f: impl FnOnce(&mut Engine) -> T) -> T {
    ENGINE.with(|e| f(&mut e.borrow_mut()))
}

/// Plans the cleaning of the page's file of `size` bytes.
#[no_mangle]
pub extern "C" fn ps_plan(size: f64) -> u32 {
    with(|e| e.plan(size as u64) as u32)
}

/// Verifies the cleaned file the page assembled as a Blob of `size` bytes.
#[no_mangle]
pub extern "C" fn ps_verify(size: f64) -> u32 {
    with(|e| e.verify(size as u64) as u32)
}

/// The last verified file's report again (after a place table loaded).
#[no_mangle]
pub extern "C" fn ps_report() -> u32 {
    with(|e| e.report() as u32)
}

/// Loads the scratch bytes as the place table (0) or map outlines (1).
#[no_mangle]
pub extern "C" fn ps_load(kind: u32) -> u32 {
    with(|e| e.load_data(kind == 1) as u32)
}

/// The places of the located photos in scratch (JSON).
#[no_mangle]
pub extern "C" fn ps_places() -> u32 {
    with(|e| e.places() as u32)
}

/// The CRC-32 so far (`previous`) continued over the first `len` bytes of
/// scratch.
#[no_mangle]
pub extern "C" fn ps_crc(previous: u32, len: usize) -> u32 {
    with(|e| {
        let mut crc = Crc32::resume(previous);
        crc.update(&e.scratch[..len.min(e.scratch.len())]);
        crc.value()
    })
}

/// The CRC-32 so far (`previous`) continued over `n` zero bytes.
#[no_mangle]
pub extern "C" fn ps_crc_zeros(previous: u32, n: f64) -> u32 {
    let mut crc = Crc32::resume(previous);
    crc.zeros(n as u64);
    crc.value()
}

/// A buffer of `len` bytes for the page to write into; its address. (Only
/// growth is zeroed: the page overwrites all `len` bytes.)
#[no_mangle]
pub extern "C" fn ps_scratch(len: usize) -> usize {
    with(|e| {
        e.scratch.truncate(len);
        e.scratch.resize(len, 0);
        e.scratch.as_mut_ptr() as usize
    })
}

#[no_mangle]
pub extern "C" fn ps_text_ptr() -> usize {
    with(|e| e.text.as_ptr() as usize)
}

#[no_mangle]
pub extern "C" fn ps_text_len() -> usize {
    with(|e| e.text.len())
}

#[no_mangle]
pub extern "C" fn ps_new_ptr() -> usize {
    with(|e| e.new_bytes.as_ptr() as usize)
}

#[no_mangle]
pub extern "C" fn ps_new_len() -> usize {
    with(|e| e.new_bytes.len())
}
