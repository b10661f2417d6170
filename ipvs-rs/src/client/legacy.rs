//! Destination reads through the kernel's `getsockopt` interface, where its
//! answer is complete (see [`crate::sockopt`]); generic netlink for the rest.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{self, AddressFamily as SockFamily, SockFlag, SockProtocol, SockType};

use super::Client;
use crate::error::Error;
use crate::model::{Destination, Forwarding, ServiceKey, Stats};
use crate::sockopt::{self, LegacyKey};

/// The raw IPv4 socket `getsockopt` is asked on; `None` without the
/// capability to open one (the reads then all go over netlink).
pub(super) fn open() -> Option<OwnedFd> {
    socket::socket(
        SockFamily::Inet,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::Raw,
    )
    .ok()
}

/// `getsockopt(fd, IPPROTO_IP, cmd, buf)`: the kernel reads the request in
/// `buf` and writes its answer over it.
#[allow(unsafe_code)]
fn get(fd: &OwnedFd, cmd: i32, buf: &mut [u8]) -> Result<(), nix::errno::Errno> {
    let mut len = libc::socklen_t::try_from(buf.len()).map_err(|_| nix::errno::Errno::E2BIG)?;
    // SAFETY: `buf` is valid for writes of `len` bytes for the whole call and
    // the kernel writes at most `len` bytes; `len` is a valid socklen_t.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_IP,
            cmd,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(nix::errno::Errno::last())
    }
}

impl Client {
    /// The destinations of several services (in the order of `keys`), with
    /// every setting and connection count but without counters: `stats` are
    /// zero. A service that does not exist has none.
    ///
    /// Much cheaper for the kernel than [`Client::destinations`] per service:
    /// IPv4 services are read through IPVS's `getsockopt` interface, one call
    /// each, wherever its answer is complete (it cannot show tunnel settings
    /// or destinations of another family; the client checks each answer
    /// against the service's destination count); the others go over generic
    /// netlink. Recording clients use netlink only.
    ///
    /// # Errors
    ///
    /// A kernel, timeout or decoding error.
    pub fn destination_settings(
        &mut self,
        keys: &[ServiceKey],
    ) -> Result<Vec<Vec<Destination>>, Error> {
        let counts = self.legacy_counts(keys.len());
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let fast = LegacyKey::of(key)
                .and_then(|k| Some((k, *counts.get(&k)?)))
                .and_then(|(k, n)| self.legacy_dests(&k, n));
            let dests = match fast {
                Some(d) => d,
                None => match self.destinations(key) {
                    Ok(mut d) => {
                        d.iter_mut().for_each(|d| d.stats = Stats::default());
                        d
                    }
                    Err(e) if e.kind() == Some(crate::ErrorKind::NotFound) => Vec::new(),
                    Err(e) => return Err(e),
                },
            };
            out.push(dests);
        }
        Ok(out)
    }

    /// Each IPv4 service's destination count, from one `getsockopt`; empty
    /// when the interface is not there or not usable.
    fn legacy_counts(&mut self, at_least: usize) -> HashMap<LegacyKey, u32> {
        let Some(fd) = self.legacy.as_ref().filter(|_| self.recording.is_none()) else {
            return HashMap::new();
        };
        let mut info = [0u8; sockopt::INFO_LEN];
        if get(fd, sockopt::GET_INFO, &mut info).is_err() {
            return HashMap::new();
        }
        let Ok(n) = sockopt::decode_num_services(&info) else {
            return HashMap::new();
        };
        // Services added since the count are missing from the answer and
        // then read over netlink.
        let n = n.max(u32::try_from(at_least).unwrap_or(u32::MAX));
        let mut buf = sockopt::get_services(n);
        if get(fd, sockopt::GET_SERVICES, &mut buf).is_err() {
            return HashMap::new();
        }
        sockopt::decode_services(&buf)
            .map(|v| v.into_iter().collect())
            .unwrap_or_default()
    }

    /// One service's destinations if this interface shows all `n` of them
    /// and none needs settings it cannot show; `None` sends the caller to
    /// netlink.
    fn legacy_dests(&mut self, key: &LegacyKey, n: u32) -> Option<Vec<Destination>> {
        if n == 0 {
            return Some(Vec::new());
        }
        let fd = self.legacy.as_ref()?;
        let mut buf = sockopt::get_dests(key, n);
        get(fd, sockopt::GET_DESTS, &mut buf).ok()?;
        let dests = sockopt::decode_dests(&buf).ok()?;
        let complete = dests.len() == usize::try_from(n).ok()?;
        let tunnels = dests
            .iter()
            .any(|d| d.settings.forwarding == Forwarding::TUNNEL);
        (complete && !tunnels).then_some(dests)
    }
}
