//! The API layer: the command table ([`table`]) and what every handler shares ([`reply`]).
//! Transports (`ws`, `rest`) call [`dispatch_at`]; handlers live in the module of their area
//! and import [`reply`] only, never the table.

pub mod reply;
pub mod table;

pub use reply::{fail, ok, ok_with, Reply, Who};
pub use table::{dispatch, dispatch_at, Auth, Command, COMMANDS};
