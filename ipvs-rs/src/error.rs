//! Errors: one enum, with the raw errno kept and mapped to a kind.

use std::fmt;

/// What kind of failure an errno from the kernel means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service or destination does not exist (`ESRCH`, `ENOENT`), or a
    /// scheduler or persistence engine module is missing (`ENOENT` on add/edit).
    NotFound,
    /// It exists already (`EEXIST`).
    AlreadyExists,
    /// Not allowed (`EPERM`, `EACCES`): needs `CAP_NET_ADMIN`.
    PermissionDenied,
    /// The kernel does not support it (`EOPNOTSUPP`, `EAFNOSUPPORT`, `EPROTONOSUPPORT`).
    NotSupported,
    /// The kernel rejected a value (`EINVAL`, `ERANGE`).
    InvalidArgument,
    /// Busy (`EBUSY`): the resource is in use.
    Busy,
    /// Out of memory or buffers (`ENOMEM`, `ENOBUFS`).
    OutOfResources,
    /// Any other errno.
    Other,
}

impl ErrorKind {
    /// The kind of a (positive) errno.
    pub fn from_errno(errno: i32) -> ErrorKind {
        match errno {
            libc::ESRCH | libc::ENOENT => ErrorKind::NotFound,
            libc::EEXIST => ErrorKind::AlreadyExists,
            libc::EPERM | libc::EACCES => ErrorKind::PermissionDenied,
            libc::EOPNOTSUPP | libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT => {
                ErrorKind::NotSupported
            }
            libc::EINVAL | libc::ERANGE => ErrorKind::InvalidArgument,
            libc::EBUSY => ErrorKind::Busy,
            libc::ENOMEM | libc::ENOBUFS => ErrorKind::OutOfResources,
            _ => ErrorKind::Other,
        }
    }
}

/// A reply that does not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A length field points past the end of the data.
    #[error("truncated {what}: {len} bytes, need {need}")]
    Truncated {
        /// What was being decoded.
        what: &'static str,
        /// Bytes available.
        len: usize,
        /// Bytes needed.
        need: usize,
    },
    /// A required attribute is missing.
    #[error("{what} lacks its {attr} attribute")]
    Missing {
        /// What was being decoded.
        what: &'static str,
        /// The missing attribute.
        attr: &'static str,
    },
    /// An attribute has the wrong size or value.
    #[error("bad {attr} attribute: {detail}")]
    Bad {
        /// The attribute.
        attr: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// Everything that can go wrong talking to IPVS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `IPVS` generic netlink family is not registered.
    #[error(
        "IPVS is not available: the kernel has no `IPVS` generic netlink family \
         (load the module with `modprobe ip_vs`)"
    )]
    IpvsUnavailable,
    /// A scheduler the kernel does not have.
    #[error(
        "scheduler `{0}` is not available in this kernel (no module ip_vs_{0}: \
         try `modprobe ip_vs_{0}` or pick another scheduler)"
    )]
    SchedulerUnavailable(String),
    /// The kernel answered a request with an error.
    #[error("{op} failed: {msg} (errno {errno})", msg = errno_text(*errno))]
    Kernel {
        /// The operation, e.g. `add service TCP 198.18.0.1:80`.
        op: String,
        /// The raw (positive) errno.
        errno: i32,
        /// Its kind.
        kind: ErrorKind,
    },
    /// No reply within the receive timeout.
    #[error("{op}: no reply from the kernel within {timeout_ms} ms")]
    Timeout {
        /// The operation.
        op: String,
        /// The timeout.
        timeout_ms: u64,
    },
    /// A socket call failed.
    #[error("{op}: {source}")]
    Io {
        /// What was being done.
        op: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A reply did not decode.
    #[error("malformed reply to {op}: {source}")]
    Decode {
        /// The operation.
        op: String,
        /// What is wrong.
        #[source]
        source: DecodeError,
    },
    /// A request could not be built from the given values.
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl Error {
    /// The kind of a kernel error, if this is one.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Kernel { kind, .. } => Some(*kind),
            Error::SchedulerUnavailable(_) => Some(ErrorKind::NotFound),
            _ => None,
        }
    }
    /// The raw errno of a kernel error, if this is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel { errno, .. } => Some(*errno),
            Error::SchedulerUnavailable(_) => Some(libc::ENOENT),
            _ => None,
        }
    }
}

/// `strerror` for the errnos IPVS returns, without unsafe code.
pub(crate) fn errno_text(errno: i32) -> impl fmt::Display {
    strerror(errno)
}

/// The C library's description of an errno ("No such process" for `ESRCH`).
pub fn strerror(errno: i32) -> &'static str {
    nix::errno::Errno::from_raw(errno).desc()
}
