//! The socket options nix and socket2 have no safe setter for.
//
// Unsafe code is allowed here, one block per option, each with its SAFETY
// comment.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use nix::libc;

/// `IP_MTU_DISCOVER = IP_PMTUDISC_DONT`: IPv4 adverts leave without the
/// Don't Fragment bit, as keepalived's (which builds its own IP header).
pub(super) fn set_pmtudisc_dont(fd: BorrowedFd<'_>) -> io::Result<()> {
    let value: libc::c_int = libc::IP_PMTUDISC_DONT;
    // SAFETY: `fd` is an open socket for the duration of the call; the
    // option value points at a live c_int and its exact size is given.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MTU_DISCOVER,
            (&raw const value).cast::<libc::c_void>(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
