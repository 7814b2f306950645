//! tim-server's integration tests, one binary: a real server in process over real sockets
//! (`common` starts it and speaks its protocol). One module per area; `cargo test -p tim-server
//! <module>::` runs one of them, e.g. `cargo test -p tim-server transport::`.
//!
//! One binary instead of one per file: the server and the shared `common` module are compiled
//! and linked once (docs/architecture.md, "Test builds").
#![allow(clippy::unwrap_used)]

mod common;

mod cluster;
mod concurrency;
mod conversations;
mod fuzz;
mod group_members;
mod groups;
mod limits;
mod login;
mod messaging;
mod online;
mod profiles;
mod rest_and_robustness;
mod rooms;
mod store;
mod transport;
mod uploads;
