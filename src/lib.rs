//! tim-wasm: the engine's WebAssembly boundary.
//!
//! This crate holds the only `#[wasm_bindgen]` code: [`tim_core::Engine`] as a JS class with
//! JSON in and out. The platform it runs on — WebSockets, the clock, inflating compressed
//! frames, the IndexedDB cache — is the JS of the package (`js/platform.js`, `js/store.js`),
//! which drives it. It contains no IM logic.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused))]

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::WasmTim;

/// The TIM.VERSION this package reproduces.
pub const VERSION: &str = "2.27.6";
