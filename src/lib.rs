//! tim-wasm: the browser edge of the SDK.
//!
//! This crate holds the only `#[wasm_bindgen]` code. It drives the platform-neutral
//! [`tim_core::Engine`] with a real WebSocket, a 500 ms clock tick and an IndexedDB cache, and
//! hands events and promise settlements to the JS facade (`js/`) through one sink function.
//! It contains no IM logic.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused))]

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod idb;
#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::WasmTim;

/// The TIM.VERSION this package reproduces.
pub const VERSION: &str = "2.27.6";
