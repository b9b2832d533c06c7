//! The one error type of the safe layer.
use crate::sys;
use std::fmt;

/// Why a callback failed. Returned as `Err` from a callback, its message goes
/// to `host->set_error` and the callback returns `SH_ERROR`: the job fails
/// with the step id, instance, component and this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    status: sys::sh_status,
}

/// The result of a callback or a host call.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with a message that says what failed, where and what to do.
    pub fn new(message: impl Into<String>) -> Self {
        Error { message: message.into(), status: sys::SH_ERROR }
    }

    /// A host call that did not return `SH_OK`: `what` names the call, the
    /// host's last_error says why.
    pub(crate) fn host(what: &str, status: sys::sh_status, last_error: String) -> Self {
        let detail = if last_error.is_empty() { String::new() } else { format!(": {}", last_error) };
        Error { message: format!("{} failed ({}){}", what, status_name(status), detail), status }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The host status behind the error (`SH_ERROR` for the plugin's own).
    pub fn status(&self) -> sys::sh_status {
        self.status
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::new(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::new(message)
    }
}

/// The header's name of a status, for messages.
pub fn status_name(status: sys::sh_status) -> String {
    match status {
        sys::SH_OK => "SH_OK".into(),
        sys::SH_ERROR => "SH_ERROR".into(),
        sys::SH_IDLE => "SH_IDLE".into(),
        sys::SH_END => "SH_END".into(),
        sys::SH_UNSUPPORTED => "SH_UNSUPPORTED".into(),
        sys::SH_NOT_FOUND => "SH_NOT_FOUND".into(),
        sys::SH_INVALID => "SH_INVALID".into(),
        sys::SH_WRONG_TYPE => "SH_WRONG_TYPE".into(),
        sys::SH_CLOSED => "SH_CLOSED".into(),
        sys::SH_WRONG_THREAD => "SH_WRONG_THREAD".into(),
        other => format!("status {}", other),
    }
}
