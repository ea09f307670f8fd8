//! The one table of API error codes (api.md section 5.2). Every `base_resp`
//! the server emits is built from an [`ErrorCode`] here.

use std::fmt;

/// A MiniMax `base_resp.status_code` together with its standard message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Success,
    /// Render failure of a task (unclassified).
    Unknown,
    Timeout,
    RateLimited,
    AuthFailed,
    InsufficientBalance,
    ServiceUnavailable,
    /// Unexpected bug while handling a request.
    Internal,
    InputSensitive,
    OutputSensitive,
    /// Database unavailable or failing.
    SystemError,
    InvisibleChars,
    InvalidParams,
    RateGrowth,
    InvalidApiKey,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::Success,
        ErrorCode::Unknown,
        ErrorCode::Timeout,
        ErrorCode::RateLimited,
        ErrorCode::AuthFailed,
        ErrorCode::InsufficientBalance,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
        ErrorCode::InputSensitive,
        ErrorCode::OutputSensitive,
        ErrorCode::SystemError,
        ErrorCode::InvisibleChars,
        ErrorCode::InvalidParams,
        ErrorCode::RateGrowth,
        ErrorCode::InvalidApiKey,
    ];

    /// The numeric `status_code`.
    pub const fn code(self) -> i32 {
        match self {
            ErrorCode::Success => 0,
            ErrorCode::Unknown => 1000,
            ErrorCode::Timeout => 1001,
            ErrorCode::RateLimited => 1002,
            ErrorCode::AuthFailed => 1004,
            ErrorCode::InsufficientBalance => 1008,
            ErrorCode::ServiceUnavailable => 1013,
            ErrorCode::Internal => 1024,
            ErrorCode::InputSensitive => 1026,
            ErrorCode::OutputSensitive => 1027,
            ErrorCode::SystemError => 1033,
            ErrorCode::InvisibleChars => 1042,
            ErrorCode::InvalidParams => 2013,
            ErrorCode::RateGrowth => 2045,
            ErrorCode::InvalidApiKey => 2049,
        }
    }

    /// The standard `status_msg` (details may be appended by [`ApiError`]).
    pub const fn message(self) -> &'static str {
        match self {
            ErrorCode::Success => "success",
            ErrorCode::Unknown => "unknown error",
            ErrorCode::Timeout => "request timeout",
            ErrorCode::RateLimited => "rate limit exceeded(RPM)",
            ErrorCode::AuthFailed => "login fail: invalid API secret key",
            ErrorCode::InsufficientBalance => "insufficient balance",
            ErrorCode::ServiceUnavailable => "internal service error",
            ErrorCode::Internal => "internal error",
            ErrorCode::InputSensitive => "input new_sensitive",
            ErrorCode::OutputSensitive => "output new_sensitive",
            ErrorCode::SystemError => "system error",
            ErrorCode::InvisibleChars => "invisible character ratio limit",
            ErrorCode::InvalidParams => "invalid params",
            ErrorCode::RateGrowth => "rate growth limit",
            ErrorCode::InvalidApiKey => "invalid api key",
        }
    }

    pub fn from_code(code: i32) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// An error as the API reports it: a code and the full `status_msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError { code, message: code.message().to_string() }
    }

    /// `2013 invalid params, <detail>`.
    pub fn invalid(detail: impl fmt::Display) -> Self {
        ApiError { code: ErrorCode::InvalidParams, message: format!("invalid params, {detail}") }
    }

    /// `<standard message>, <detail>` for codes other than 2013.
    pub fn with_detail(code: ErrorCode, detail: impl fmt::Display) -> Self {
        ApiError { code, message: format!("{}, {detail}", code.message()) }
    }

    /// 1004 for a request without a usable `Authorization: Bearer` header.
    pub fn missing_key() -> Self {
        ApiError {
            code: ErrorCode::AuthFailed,
            message: "login fail: Please carry the API secret key in the 'Authorization' field of the request header"
                .into(),
        }
    }

    pub fn task_not_found() -> Self {
        ApiError::invalid("task not found")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code.code(), self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(c.code()), Some(c));
        }
        let mut codes: Vec<i32> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn invalid_params_messages_start_with_prefix() {
        let e = ApiError::invalid("template_id is required");
        assert_eq!(e.code.code(), 2013);
        assert_eq!(e.message, "invalid params, template_id is required");
        assert_eq!(ApiError::new(ErrorCode::Internal).message, "internal error");
    }
}
