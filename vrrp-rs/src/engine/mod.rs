//! The sans-IO engine: [`Router`] holds VRRP instances and sync groups.

mod config;
mod instance;
mod router;

pub use config::{ConfigError, GarpConfig, InstanceConfig, TrackScript};
pub use router::Router;

use std::net::IpAddr;
use std::time::Duration;

use crate::wire::{Version, WireError};

/// Index of an instance in its [`Router`], in the order they were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(pub usize);

/// State of an instance (RFC 5798 §6.4, plus keepalived's FAULT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Not started, or shut down.
    Initialize,
    /// Listening for the master's adverts.
    Backup,
    /// Forwarding for the virtual addresses and advertising.
    Master,
    /// A tracked interface is down or a weight-0 script fails.
    Fault,
}

/// Why an instance changed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransitionReason {
    /// Startup as the address owner (priority 255).
    StartupOwner,
    /// Startup as a backup.
    Startup,
    /// Master_Down_Interval expired without an acceptable advert.
    MasterDown,
    /// An advert of higher priority (or equal priority from a higher address).
    HigherPriority {
        /// The advert's priority.
        priority: u8,
        /// Its source.
        src: IpAddr,
    },
    /// [`Command::Shutdown`].
    Shutdown,
    /// A tracked interface went down or a weight-0 script failed.
    Fault,
    /// Every tracked object is healthy again.
    FaultCleared,
    /// Another member of the sync group moved.
    SyncGroup {
        /// The member that moved first.
        leader: InstanceId,
    },
}

/// Why a received packet was dropped. Every drop is counted and surfaced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// TTL / hop limit is not 255.
    BadTtl(u8),
    /// The advert's version is not the instance's (a peer configured with
    /// another `vrrp_version`).
    VersionMismatch {
        /// Our version.
        ours: Version,
        /// The version nibble received.
        theirs: u8,
    },
    /// The message is malformed (length, type, checksum, AH...).
    Malformed(WireError),
    /// No instance has this VRID (and family).
    UnknownVrid(u8),
    /// We own the addresses (priority 255): another router claims them.
    OwnerConflict,
    /// v2: auth type differs from ours.
    AuthTypeMismatch {
        /// Ours.
        ours: u8,
        /// Received.
        theirs: u8,
    },
    /// v2: the password differs.
    AuthFailed,
    /// v2: the advert interval differs from ours (RFC 3768 requires equality).
    IntervalMismatch {
        /// Ours, in seconds.
        ours: u16,
        /// Received, in seconds.
        theirs: u16,
    },
    /// v3: interval 0 (keepalived accepts it and every backup takes over at once).
    ZeroInterval,
    /// The address count or list differs from ours.
    AddressMismatch,
    /// A multicast instance got a unicast packet, or the reverse.
    WrongDestination(IpAddr),
    /// Source-checked unicast: the source is not a configured peer.
    UnknownPeer(IpAddr),
    /// The instance is in Initialize or Fault and ignores adverts.
    NotListening,
    /// The packet is our own advert, looped back.
    OwnAdvert,
}

/// Something the driver should know: state changes, drops, learned values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An instance changed state. On `to == Master` the driver adds the
    /// virtual addresses; on leaving Master it removes them.
    StateChanged {
        /// The instance.
        instance: InstanceId,
        /// Previous state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        reason: TransitionReason,
    },
    /// A received packet was dropped.
    Dropped {
        /// The instance it was for, when one matched its VRID.
        instance: Option<InstanceId>,
        /// Its source.
        src: IpAddr,
        /// Why.
        reason: DropReason,
    },
    /// v3: the master advertises another interval; Master_Down_Interval follows.
    IntervalLearned {
        /// The instance.
        instance: InstanceId,
        /// The learned Master_Adver_Interval.
        interval: Duration,
    },
    /// keepalived's `preempt_delay` started on a lower-priority advert.
    PreemptDelayStarted {
        /// The instance.
        instance: InstanceId,
        /// When it ends (virtual time of the driver).
        until: std::time::Instant,
    },
    /// The effective priority changed through tracking.
    PriorityChanged {
        /// The instance.
        instance: InstanceId,
        /// New effective priority.
        priority: u8,
    },
}

/// A packet as a raw socket hands it over: the IP payload plus what the
/// control messages said.
#[derive(Clone, Copy, Debug)]
pub struct Received<'a> {
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
    /// The VRRP message (IP payload, sized from the IP total length).
    pub payload: &'a [u8],
}

/// What a [`Transmit`] carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransmitKind {
    /// A VRRP advert: send the buffer as the payload of an IP packet with
    /// protocol 112 (raw socket).
    Advert {
        /// The advertised priority (0 on resignation).
        priority: u8,
    },
    /// A gratuitous ARP: the buffer is a whole Ethernet frame (`AF_PACKET`).
    Garp,
    /// An unsolicited NA: the buffer is the ICMPv6 message (raw ICMPv6 socket).
    NeighborAdvert,
}

/// Metadata of a packet written by [`Router::poll_transmit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// The instance sending it.
    pub instance: InstanceId,
    /// What it is.
    pub kind: TransmitKind,
    /// IP source.
    pub src: IpAddr,
    /// IP destination (multicast group, unicast peer, or ff02::1 for NA).
    pub dst: IpAddr,
    /// TTL / hop limit (255).
    pub ttl: u8,
    /// Bytes written into the buffer.
    pub len: usize,
}

/// A command from the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Start an instance (RFC Startup event).
    Startup(InstanceId),
    /// Stop an instance: a master sends priority 0 first.
    Shutdown(InstanceId),
    /// A tracked interface (index into its count) went up or down.
    InterfaceState {
        /// The instance.
        instance: InstanceId,
        /// Tracked interface index.
        index: usize,
        /// Whether it is up.
        up: bool,
    },
    /// A tracked script (index) changed status (the driver counts keepalived's
    /// `rise` / `fall` results before sending it).
    ///
    /// Until a script's first result its status is unknown, as in keepalived:
    /// its weight neither adds nor subtracts, and a started instance with an
    /// unknown weight-0 script stays in Initialize until that script reports
    /// (then Backup, or Fault if it failed). keepalived's `init_fail` (the
    /// script starts as failed) is a `ScriptResult { ok: false }` sent before
    /// [`Command::Startup`].
    ScriptResult {
        /// The instance.
        instance: InstanceId,
        /// Tracked script index.
        index: usize,
        /// Whether it succeeded.
        ok: bool,
    },
}

/// Counters of one instance, in the spirit of FRR's `show vrrp`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Adverts accepted.
    pub adverts_rx: u64,
    /// Adverts sent (including priority 0).
    pub adverts_tx: u64,
    /// Priority-0 adverts received.
    pub prio0_rx: u64,
    /// Priority-0 adverts sent.
    pub prio0_tx: u64,
    /// Gratuitous ARPs sent.
    pub garp_tx: u64,
    /// Neighbour advertisements sent.
    pub na_tx: u64,
    /// Transitions to Master.
    pub master_transitions: u64,
    /// Transitions to Backup.
    pub backup_transitions: u64,
    /// Transitions to Fault.
    pub fault_transitions: u64,
    /// Drops: bad TTL.
    pub drop_ttl: u64,
    /// Drops: version mismatch.
    pub drop_version: u64,
    /// Drops: malformed (length, type, checksum, AH).
    pub drop_malformed: u64,
    /// Drops: auth type or password.
    pub drop_auth: u64,
    /// Drops: interval (v2 mismatch, v3 zero).
    pub drop_interval: u64,
    /// Drops: address count or list.
    pub drop_addresses: u64,
    /// Drops: everything else (destination, peer, owner conflict, not listening).
    pub drop_other: u64,
    /// Current Master_Down_Interval.
    pub master_down_interval: Duration,
    /// Current Skew_Time.
    pub skew_time: Duration,
}

/// Master_Down_Interval and Skew_Time for `version`, local `priority` and
/// Master_Adver_Interval `adv` (RFC 3768 §6.1, RFC 5798 §6.1).
pub fn master_down_interval(version: Version, priority: u8, adv: Duration) -> (Duration, Duration) {
    let k = 256 - u32::from(priority);
    let skew = match version {
        Version::V2 => Duration::from_nanos(u64::from(k) * 1_000_000_000 / 256),
        Version::V3 => Duration::from_nanos((u128::from(k) * adv.as_nanos() / 256) as u64),
    };
    (adv * 3 + skew, skew)
}
