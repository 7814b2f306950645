//! The wire protocol of the Tencent Cloud IM Web SDK (see `docs/protocol.md`), as types.
//!
//! Both the SDK engine (`tim-core`) and the server (`tim-server`) use this crate, so each
//! `service.command` and each body shape is defined exactly once.
#![deny(missing_docs)]

pub mod cmd;
pub mod code;
pub mod frame;
pub mod msg;
pub mod profile;
#[cfg(feature = "usersig")]
pub mod usersig;

pub use frame::{Frame, Head};
