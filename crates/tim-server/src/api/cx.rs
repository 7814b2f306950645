//! [`Cx`]: what a command handler runs with.

use serde_json::Value;

use crate::hub::Pushes;
use crate::State;

/// What a command runs with: the server's state (a `Cx` is used as a `&State`), where its
/// pushes go, and where the caller reached the server.
///
/// A handler pushes only through [`Cx::push_user`], [`Cx::push_users`] and [`Cx::kick_user`]:
/// the transport holds those pushes until it has written the reply ([`Pushes`]), so the reply
/// comes first. The hub's own push methods need a [`Pushes`], which only the transport makes.
pub struct Cx<'a> {
    st: &'a State,
    pushes: &'a Pushes,
    /// The base URL the caller reached the server at (upload URLs, [`crate::uploads::origin`]).
    pub origin: Option<&'a str>,
}

impl std::ops::Deref for Cx<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        self.st
    }
}

impl<'a> Cx<'a> {
    /// A command's context.
    pub fn new(st: &'a State, pushes: &'a Pushes, origin: Option<&'a str>) -> Self {
        Cx { st, pushes, origin }
    }

    /// Push a body to every session of `user` except the socket `except`.
    pub fn push_user(&self, sdkappid: u64, user: &str, except: Option<u64>, body: &Value) {
        self.st.hub.push_user(sdkappid, user, except, body, self.pushes);
    }

    /// Push one body to every session of each of `users` (distinct) except `except`.
    pub fn push_users(&self, sdkappid: u64, users: &[&str], except: Option<u64>, body: &Value) {
        self.st.hub.push_users(sdkappid, users, except, body, self.pushes);
    }

    /// Kick every session of `user`, everywhere.
    pub fn kick_user(&self, sdkappid: u64, user: &str, kick_type: u32, close_after_ms: u64) {
        self.st.hub.kick_user(sdkappid, user, kick_type, close_after_ms, self.pushes);
    }
}
