//! The IPVS table as typed values: service identity, service settings,
//! destinations and counters, with open newtypes for the kernel's value spaces.

use std::fmt;
use std::net::IpAddr;

use bitflags::bitflags;

/// An address family as the kernel numbers it (`AF_INET`, `AF_INET6`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressFamily(pub u16);

impl AddressFamily {
    /// IPv4 (`AF_INET`).
    pub const INET: AddressFamily = AddressFamily(2);
    /// IPv6 (`AF_INET6`).
    pub const INET6: AddressFamily = AddressFamily(10);

    /// The family of an address.
    pub fn of(addr: IpAddr) -> AddressFamily {
        match addr {
            IpAddr::V4(_) => AddressFamily::INET,
            IpAddr::V6(_) => AddressFamily::INET6,
        }
    }
}

impl fmt::Debug for AddressFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AddressFamily::INET => f.write_str("INET"),
            AddressFamily::INET6 => f.write_str("INET6"),
            AddressFamily(n) => write!(f, "AddressFamily({n})"),
        }
    }
}

/// A transport protocol number (`IPPROTO_*`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Protocol(pub u16);

impl Protocol {
    /// TCP.
    pub const TCP: Protocol = Protocol(6);
    /// UDP.
    pub const UDP: Protocol = Protocol(17);
    /// SCTP.
    pub const SCTP: Protocol = Protocol(132);

    /// The name ipvsadm prints (`TCP`, `UDP`, `SCTP`), if known.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Protocol::TCP => Some("TCP"),
            Protocol::UDP => Some("UDP"),
            Protocol::SCTP => Some("SCTP"),
            _ => None,
        }
    }
}

impl fmt::Debug for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Protocol({})", self.0),
        }
    }
}

/// What identifies a virtual service: protocol, address and port, or a
/// firewall mark and an address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKey {
    /// A service on an address and port.
    Addr {
        /// TCP, UDP or SCTP.
        protocol: Protocol,
        /// The virtual address.
        addr: IpAddr,
        /// The virtual port.
        port: u16,
    },
    /// A service matching packets marked by the firewall.
    Fwmark {
        /// The firewall mark.
        mark: u32,
        /// The address family of the packets it matches.
        family: AddressFamily,
    },
}

impl ServiceKey {
    /// A TCP service.
    pub fn tcp(addr: IpAddr, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::TCP,
            addr,
            port,
        }
    }
    /// A UDP service.
    pub fn udp(addr: IpAddr, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::UDP,
            addr,
            port,
        }
    }
    /// An SCTP service.
    pub fn sctp(addr: IpAddr, port: u16) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::SCTP,
            addr,
            port,
        }
    }
    /// A firewall-mark service.
    pub fn fwmark(mark: u32, family: AddressFamily) -> ServiceKey {
        ServiceKey::Fwmark { mark, family }
    }
    /// The service's address family.
    pub fn family(&self) -> AddressFamily {
        match *self {
            ServiceKey::Addr { addr, .. } => AddressFamily::of(addr),
            ServiceKey::Fwmark { family, .. } => family,
        }
    }
}

/// A scheduler name. Open: names this crate does not know are kept as they are.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scheduler(pub String);

macro_rules! schedulers {
    ($($c:ident = $n:literal, $doc:literal;)*) => {
        impl Scheduler {
            $(#[doc = $doc] pub const $c: &'static str = $n;)*
            /// Every scheduler name this crate knows.
            pub const KNOWN: &'static [&'static str] = &[$($n),*];
        }
    };
}

schedulers! {
    RR = "rr", "Round robin.";
    WRR = "wrr", "Weighted round robin.";
    LC = "lc", "Least connection.";
    WLC = "wlc", "Weighted least connection (the kernel's default).";
    LBLC = "lblc", "Locality-based least connection.";
    LBLCR = "lblcr", "Locality-based least connection with replication.";
    DH = "dh", "Destination hashing.";
    SH = "sh", "Source hashing.";
    SED = "sed", "Shortest expected delay.";
    NQ = "nq", "Never queue.";
    MH = "mh", "Maglev hashing.";
    FO = "fo", "Weighted failover.";
    OVF = "ovf", "Weighted overflow.";
    TWOS = "twos", "Weighted random twos choice (not in every kernel).";
}

impl Scheduler {
    /// A scheduler by name.
    pub fn new(name: impl Into<String>) -> Scheduler {
        Scheduler(name.into())
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Scheduler {
    fn default() -> Scheduler {
        Scheduler::new(Scheduler::WLC)
    }
}

impl From<&str> for Scheduler {
    fn from(s: &str) -> Scheduler {
        Scheduler::new(s)
    }
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A destination's forwarding method (the `IP_VS_CONN_F_FWD_MASK` bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Forwarding(pub u32);

impl Forwarding {
    /// NAT (`-m`).
    pub const MASQ: Forwarding = Forwarding(0);
    /// Local node.
    pub const LOCAL: Forwarding = Forwarding(1);
    /// IP-in-IP and other tunnels (`-i`).
    pub const TUNNEL: Forwarding = Forwarding(2);
    /// Direct routing (`-g`).
    pub const ROUTE: Forwarding = Forwarding(3);
    /// Bypass.
    pub const BYPASS: Forwarding = Forwarding(4);

    /// The name ipvsadm prints in listings, if known.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Forwarding::MASQ => Some("Masq"),
            Forwarding::LOCAL => Some("Local"),
            Forwarding::TUNNEL => Some("Tunnel"),
            Forwarding::ROUTE => Some("Route"),
            Forwarding::BYPASS => Some("Bypass"),
            _ => None,
        }
    }
}

impl fmt::Debug for Forwarding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Forwarding({})", self.0),
        }
    }
}

/// A tunnel destination's encapsulation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TunnelType(pub u8);

impl TunnelType {
    /// IP in IP.
    pub const IPIP: TunnelType = TunnelType(0);
    /// Generic UDP encapsulation.
    pub const GUE: TunnelType = TunnelType(1);
    /// Generic routing encapsulation.
    pub const GRE: TunnelType = TunnelType(2);

    /// The name ipvsadm uses, if known.
    pub fn name(self) -> Option<&'static str> {
        match self {
            TunnelType::IPIP => Some("ipip"),
            TunnelType::GUE => Some("gue"),
            TunnelType::GRE => Some("gre"),
            _ => None,
        }
    }
}

impl fmt::Debug for TunnelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "TunnelType({})", self.0),
        }
    }
}

bitflags! {
    /// Service flags (`IP_VS_SVC_F_*`). Unknown bits are kept.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct ServiceFlags: u32 {
        /// Persistent service (set by the kernel when a timeout is given).
        const PERSISTENT = 0x0001;
        /// Set by the kernel on every hashed service; ignored by settings equality.
        const HASHED = 0x0002;
        /// One-packet scheduling (UDP).
        const ONE_PACKET = 0x0004;
        /// Scheduler flag 1 (`sh-fallback`, `mh-fallback`).
        const SCHED1 = 0x0008;
        /// Scheduler flag 2 (`sh-port`, `mh-port`).
        const SCHED2 = 0x0010;
        /// Scheduler flag 3.
        const SCHED3 = 0x0020;
        /// Source-hash fallback.
        const SH_FALLBACK = 0x0008;
        /// Source-hash over ports too.
        const SH_PORT = 0x0010;
        /// Maglev-hash fallback.
        const MH_FALLBACK = 0x0008;
        /// Maglev-hash over ports too.
        const MH_PORT = 0x0010;
        const _ = !0;
    }
}

impl ServiceFlags {
    /// Bits the kernel sets on its own and that are not part of a service's settings.
    pub const KERNEL_SET: ServiceFlags = ServiceFlags::HASHED;

    /// The flags without the kernel-set bits.
    pub fn settings(self) -> ServiceFlags {
        self.difference(ServiceFlags::KERNEL_SET)
    }
}

bitflags! {
    /// Tunnel encapsulation flags (`IP_VS_TUNNEL_ENCAP_FLAG_*`). Unknown bits are kept.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct TunnelFlags: u16 {
        /// Checksum.
        const CSUM = 0x0001;
        /// Remote checksum offload.
        const REMCSUM = 0x0002;
        const _ = !0;
    }
}

/// Traffic counters and rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Stats {
    /// Connections scheduled.
    pub conns: u64,
    /// Incoming packets.
    pub in_packets: u64,
    /// Outgoing packets.
    pub out_packets: u64,
    /// Incoming bytes.
    pub in_bytes: u64,
    /// Outgoing bytes.
    pub out_bytes: u64,
    /// Connections per second.
    pub cps: u64,
    /// Incoming packets per second.
    pub in_pps: u64,
    /// Outgoing packets per second.
    pub out_pps: u64,
    /// Incoming bytes per second.
    pub in_bps: u64,
    /// Outgoing bytes per second.
    pub out_bps: u64,
}

/// A virtual service's settings (everything but its key and counters).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ServiceSettings {
    /// The scheduler.
    pub scheduler: Scheduler,
    /// Flags; [`ServiceFlags::HASHED`] and other kernel bits are ignored by
    /// [`ServiceSettings::same_as`].
    pub flags: ServiceFlags,
    /// Persistence timeout in seconds (0: not persistent).
    pub timeout: u32,
    /// Persistence granularity: a prefix length (32 or 128 is per client).
    pub netmask_prefix: u8,
    /// Persistence engine name (`sip`), if any.
    pub pe_name: Option<String>,
}

impl ServiceSettings {
    /// Settings with a scheduler and the defaults ipvsadm uses otherwise
    /// (`netmask_prefix` must still match the family: see [`Service::new`]).
    pub fn with_scheduler(scheduler: impl Into<String>) -> ServiceSettings {
        ServiceSettings {
            scheduler: Scheduler::new(scheduler),
            ..ServiceSettings::default()
        }
    }

    /// Equality of what a user controls: kernel-set flag bits are ignored,
    /// and so is `PERSISTENT`, which the kernel derives from the timeout.
    pub fn same_as(&self, other: &ServiceSettings) -> bool {
        let flags = |s: &ServiceSettings| s.flags.settings().difference(ServiceFlags::PERSISTENT);
        self.scheduler == other.scheduler
            && flags(self) == flags(other)
            && self.timeout == other.timeout
            && self.netmask_prefix == other.netmask_prefix
            && self.pe_name == other.pe_name
    }
}

/// A virtual service as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Service {
    /// What identifies it.
    pub key: ServiceKey,
    /// Its settings.
    pub settings: ServiceSettings,
    /// Counters (zero in requests).
    pub stats: Stats,
}

impl Service {
    /// A service with a scheduler, no persistence, and the full-length netmask.
    pub fn new(key: ServiceKey, scheduler: impl Into<String>) -> Service {
        let netmask_prefix = if key.family() == AddressFamily::INET6 {
            128
        } else {
            32
        };
        Service {
            key,
            settings: ServiceSettings {
                netmask_prefix,
                ..ServiceSettings::with_scheduler(scheduler)
            },
            stats: Stats::default(),
        }
    }
}

/// What identifies a destination within its service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DestKey {
    /// The real server's address (its family may differ from the service's).
    pub addr: IpAddr,
    /// The real server's port (0 for fwmark services without a port).
    pub port: u16,
}

/// A destination's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct DestSettings {
    /// Forwarding method.
    pub forwarding: Forwarding,
    /// Weight (0: quiesced).
    pub weight: u32,
    /// Upper connection threshold (0: none).
    pub upper_threshold: u32,
    /// Lower connection threshold (0: none).
    pub lower_threshold: u32,
    /// Tunnel type (for [`Forwarding::TUNNEL`]).
    pub tun_type: TunnelType,
    /// Tunnel port (GUE).
    pub tun_port: u16,
    /// Tunnel flags.
    pub tun_flags: TunnelFlags,
}

/// A destination (real server) as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Destination {
    /// What identifies it.
    pub key: DestKey,
    /// Its settings.
    pub settings: DestSettings,
    /// Active connections.
    pub active_conns: u32,
    /// Inactive connections.
    pub inactive_conns: u32,
    /// Persistent connection templates.
    pub persist_conns: u32,
    /// Counters.
    pub stats: Stats,
}

impl Destination {
    /// A destination with a forwarding method and weight and no thresholds.
    pub fn new(addr: IpAddr, port: u16, forwarding: Forwarding, weight: u32) -> Destination {
        Destination {
            key: DestKey { addr, port },
            settings: DestSettings {
                forwarding,
                weight,
                ..DestSettings::default()
            },
            active_conns: 0,
            inactive_conns: 0,
            persist_conns: 0,
            stats: Stats::default(),
        }
    }
}

/// The kernel's IPVS version and connection table size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    /// Version code (`0x010201` is 1.2.1).
    pub version: u32,
    /// Connection hash table size.
    pub conn_tab_size: u32,
}

impl Info {
    /// The version as (major, minor, patch).
    pub fn version_triple(&self) -> (u8, u8, u8) {
        let [_, a, b, c] = self.version.to_be_bytes();
        (a, b, c)
    }
}

/// Connection timeouts in seconds; in a set request, 0 leaves a value unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Timeouts {
    /// Established TCP.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// A sync daemon's role.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DaemonState(pub u32);

impl DaemonState {
    /// Sends connection state.
    pub const MASTER: DaemonState = DaemonState(1);
    /// Receives connection state.
    pub const BACKUP: DaemonState = DaemonState(2);
}

impl fmt::Debug for DaemonState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DaemonState::MASTER => f.write_str("MASTER"),
            DaemonState::BACKUP => f.write_str("BACKUP"),
            DaemonState(n) => write!(f, "DaemonState({n})"),
        }
    }
}

/// A connection-synchronisation daemon's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncDaemon {
    /// Master or backup.
    pub state: DaemonState,
    /// The multicast interface.
    pub mcast_ifname: String,
    /// The sync id.
    pub sync_id: u32,
    /// Maximum sync message length (0: the kernel's default).
    pub sync_maxlen: u16,
    /// Multicast group (None: the kernel's default, 224.0.0.81).
    pub mcast_group: Option<IpAddr>,
    /// Multicast port (0: the default, 8848).
    pub mcast_port: u16,
    /// Multicast TTL (0: the default, 1).
    pub mcast_ttl: u8,
}

impl SyncDaemon {
    /// A daemon on an interface with the kernel's defaults otherwise.
    pub fn new(state: DaemonState, mcast_ifname: impl Into<String>, sync_id: u32) -> SyncDaemon {
        SyncDaemon {
            state,
            mcast_ifname: mcast_ifname.into(),
            sync_id,
            sync_maxlen: 0,
            mcast_group: None,
            mcast_port: 0,
            mcast_ttl: 0,
        }
    }
}
