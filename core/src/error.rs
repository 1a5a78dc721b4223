//! Why a file could not be scanned or cleaned.

use std::fmt;

/// Why a file could not be scanned or cleaned. Callers match on the kind;
/// the message says what, where, in the file's own terms (for people, the
/// shell puts it in plain words).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Not a format photoscrub can clean (yet), or a part of one it does
    /// not support: reported as `refused`.
    Unsupported(String),
    /// The file is damaged or not what it claims to be: `failed`.
    Damaged(String),
    /// The cleaned output did not pass verification; nothing is written.
    Unverified(String),
    /// Reading or writing failed.
    Io {
        message: String,
        source: Option<std::io::Error>,
    },
}

impl Error {
    /// A damaged file: `what` says where and how.
    pub fn damaged(what: impl Into<String>) -> Error {
        Error::Damaged(what.into())
    }

    /// An I/O failure described by `message` (which names the file).
    pub fn io(message: impl Into<String>) -> Error {
        Error::Io {
            message: message.into(),
            source: None,
        }
    }

    /// An I/O failure: `message` says what was being done; `source` is why.
    pub fn io_because(message: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            message: message.into(),
            source: Some(source),
        }
    }

    /// The message without its kind.
    pub fn message(&self) -> &str {
        match self {
            Error::Unsupported(m) | Error::Damaged(m) | Error::Unverified(m) => m,
            Error::Io { message, .. } => message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unverified(m) => write!(f, "cleaned output failed verification: {m}"),
            Error::Io {
                message,
                source: Some(e),
            } => write!(f, "{message}: {e}"),
            other => f.write_str(other.message()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io {
                source: Some(e), ..
            } => Some(e),
            _ => None,
        }
    }
}
