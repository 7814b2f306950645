//! The API layer: the command table ([`table`]) and what every handler shares ([`reply`]).
//! Transports (`ws`, `rest`) call [`dispatch`] with a [`Cx`]; handlers live in the module of their area
//! and import [`reply`] and [`cx`] only, never the table.

pub mod cx;
pub mod reply;
pub mod table;

pub use cx::Cx;
pub use reply::{fail, ok, ok_with, Reply, Who};
pub use table::{dispatch, Auth, Command, COMMANDS};
