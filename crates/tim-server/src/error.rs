//! [`ApiError`]: a command's failure, as the documented error code and message.

use serde_json::Value;
use tim_proto::cmd::Status;
use tim_proto::code;

use crate::store::StoreError;

/// A command's failure: the documented code and message, answered on both transports as
/// `{"ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": message}`. Storage and other
/// internal errors become 90994 without their details (logged where they happen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The documented error code (`tim_proto::code`).
    pub code: i64,
    /// The error text.
    pub message: String,
}

impl ApiError {
    /// The reply body.
    pub fn body(&self) -> Value {
        Status::fail(self.code, self.message.as_str()).body()
    }
}

impl From<ApiError> for Value {
    fn from(e: ApiError) -> Value {
        e.body()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        internal(e)
    }
}

/// A failure with a documented code.
pub fn fail(code: i64, info: impl Into<String>) -> ApiError {
    ApiError { code, message: info.into() }
}

/// An internal error (storage, I/O): logged, and answered as 90994 without its details.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "storage error");
    fail(code::INTERNAL_ERROR, "internal server error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failure_is_answered_in_the_documented_shape() {
        let e = fail(code::GROUP_INVALID_PARAMETERS, "GroupId must be 1 to 48 bytes");
        assert_eq!(
            Value::from(e),
            json!({"ActionStatus": "FAIL", "ErrorCode": 10004, "ErrorInfo": "GroupId must be 1 to 48 bytes"})
        );
    }

    #[test]
    fn storage_errors_are_answered_without_their_details() {
        let e: ApiError = StoreError::Pool("connection to postgres://admin:secret@db refused".into()).into();
        assert_eq!(e.code, code::INTERNAL_ERROR);
        assert!(!e.message.contains("secret"), "{}", e.message);
    }
}
