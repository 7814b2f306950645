//! What every command handler shares: who is calling, and the reply bodies — success, a
//! documented failure ([`ApiError`]), and an internal error that is logged and hidden. One copy
//! of each.

use serde_json::Value;
use tim_proto::cmd::Status;
use tim_proto::code;

use crate::{now, State};

/// Who is calling a command.
#[derive(Debug, Clone)]
pub enum Who {
    /// A logged-in user on a WebSocket.
    User {
        /// App.
        sdkappid: u64,
        /// The user.
        user: String,
        /// The socket (its own pushes are skipped).
        conn_id: u64,
    },
    /// The app admin on the REST API.
    Admin {
        /// App.
        sdkappid: u64,
        /// The admin identifier.
        admin: String,
    },
}

impl Who {
    /// The caller's app.
    pub fn sdkappid(&self) -> u64 {
        match self {
            Who::User { sdkappid, .. } | Who::Admin { sdkappid, .. } => *sdkappid,
        }
    }

    /// The caller's socket (none for the admin on REST).
    pub fn conn_id(&self) -> Option<u64> {
        match self {
            Who::User { conn_id, .. } => Some(*conn_id),
            Who::Admin { .. } => None,
        }
    }

    /// Whether the caller is the app admin.
    pub fn is_admin(&self) -> bool {
        matches!(self, Who::Admin { .. })
    }

    /// The user a command acts for: the socket's user, or for the admin the body's `key`
    /// (`From_Account`, `Owner_Account`…; default: the admin).
    pub fn acting(&self, body: &Value, key: &str) -> String {
        match self {
            Who::User { user, .. } => user.clone(),
            Who::Admin { admin, .. } => body[key].as_str().filter(|s| !s.is_empty()).unwrap_or(admin).to_string(),
        }
    }
}

/// A handler's answer: the reply body, or the failure to answer with.
pub type Reply = Result<Value, ApiError>;

pub use crate::error::{fail, internal, ApiError};

/// A bare `OK` reply body.
pub fn ok() -> Value {
    Status::ok().body()
}

/// An `OK` reply with extra fields.
pub fn ok_with(extra: Value) -> Value {
    let mut v = ok();
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

/// The error codes of a missing or ill-formed account, which differ by service.
#[derive(Debug, Clone, Copy)]
pub struct AccountCodes {
    /// The identifier breaks the UserID rules.
    pub invalid: i64,
    /// No such account (and none is created).
    pub missing: i64,
}

/// Messaging's codes: 20003 for both.
pub const C2C_ACCOUNT: AccountCodes =
    AccountCodes { invalid: code::TO_ACCOUNT_NOT_FOUND, missing: code::TO_ACCOUNT_NOT_FOUND };
/// The group service's codes: 10004 and 10019.
pub const GROUP_ACCOUNT: AccountCodes =
    AccountCodes { invalid: code::GROUP_INVALID_PARAMETERS, missing: code::GROUP_ACCOUNT_NOT_FOUND };

/// The account `user`, created when missing (`auto_import_accounts`, within the caller's
/// auto-import limit, 70398).
pub fn ensure_user(
    st: &State,
    who: &Who,
    sdkappid: u64,
    user: &str,
    codes: AccountCodes,
) -> Result<crate::store::Account, ApiError> {
    if let Some(why) = crate::validate::user_id_problem(user) {
        return Err(fail(codes.invalid, why));
    }
    match st.store.account(sdkappid, user) {
        Ok(Some(a)) => Ok(a),
        Ok(None) if st.config.auto_import_accounts => {
            auto_import_allowed(st, who)?;
            st.store.ensure_account(sdkappid, user, now()).map_err(internal)
        }
        Ok(None) => Err(fail(codes.missing, format!("account {user} does not exist"))),
        Err(e) => Err(internal(e)),
    }
}

/// Whether the caller may create one more account by naming an unknown identifier: users
/// within `limits.auto_import_per_user_*` (else 70398), the app admin always.
pub fn auto_import_allowed(st: &State, who: &Who) -> Result<(), ApiError> {
    match who {
        Who::User { sdkappid, user, .. } if !st.limits.auto_import.allow(format!("{sdkappid}:{user}")) => {
            tracing::info!(sdkappid, user = ?user, "auto-import limit reached");
            Err(crate::limits::auto_import_limited())
        }
        _ => Ok(()),
    }
}
