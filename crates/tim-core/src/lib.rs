//! The platform-neutral engine of the tim-wasm SDK.
//!
//! The engine is a *sans-IO* state machine: the platform layer (the browser code in the root
//! crate, or a native test harness) feeds it socket events, clock ticks, API calls and the cached
//! state it loaded, and carries out what it asks for ([`Output`]: open a socket, send a frame,
//! emit an event, settle a promise, persist state). All IM logic — login sequence, seq matching,
//! timeouts, heartbeats, reconnect with resend, sync cursors, dedup, unread counting, conversation
//! ordering, history paging — lives here and is tested natively against a real server.
#![deny(missing_debug_implementations)]
// An edition built without some features (api/editions.json) leaves helpers of the others unused.
#![cfg_attr(not(feature = "groups"), allow(dead_code, unused_imports, unused_variables))]

mod engine;
#[cfg(feature = "groups")]
pub mod group;
pub mod model;
pub mod value;

pub use engine::{ApiError, CallResult, Config, Engine, Output, SocketId};
