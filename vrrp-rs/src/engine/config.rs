//! Instance configuration and its checks.

use std::net::IpAddr;
use std::time::Duration;

use crate::wire::{AddrList, Family, MacAddr, V2Auth, Version};

/// Gratuitous ARP / unsolicited NA scheduling, keepalived's `vrrp_garp_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarpConfig {
    /// Delay of the second burst after becoming master (`garp_master_delay`,
    /// default 5 s; zero disables the second burst).
    pub master_delay: Duration,
    /// Announcements per address in each burst (`garp_master_repeat`, default 5).
    pub master_repeat: u32,
    /// Period of refresh bursts while master (`garp_master_refresh`, default off).
    pub master_refresh: Option<Duration>,
    /// Announcements per address in each refresh burst
    /// (`garp_master_refresh_repeat`, default 1).
    pub refresh_repeat: u32,
    /// Announcements per address when the master sees a lower-priority
    /// advert, i.e. another master (split brain healing); keepalived's
    /// `garp_lower_prio_repeat`. Default 5, so the winner re-announces.
    pub lower_prio_repeat: u32,
    /// Delay of the second burst after such a lower-priority advert
    /// (`garp_lower_prio_delay`, keepalived's default: `garp_master_delay`,
    /// 5 s; zero disables the second burst).
    pub lower_prio_delay: Duration,
}

impl Default for GarpConfig {
    fn default() -> Self {
        GarpConfig {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: None,
            refresh_repeat: 1,
            lower_prio_repeat: 5,
            lower_prio_delay: Duration::from_secs(5),
        }
    }
}

/// A tracked script: its result adjusts the effective priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackScript {
    /// keepalived's weight: positive adds when the script succeeds, negative
    /// subtracts when it fails, 0 puts the instance in FAULT while it fails.
    /// Before its first result a script counts neither way (see
    /// [`Command::ScriptResult`](super::Command::ScriptResult)).
    pub weight: i16,
}

/// Configuration of one VRRP instance (one VRID on one interface and family).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceConfig {
    /// A name for events and logs (keepalived's `vrrp_instance NAME`).
    pub name: String,
    /// Virtual router ID, 1..=255.
    pub vrid: u8,
    /// Protocol version.
    pub version: Version,
    /// Configured priority, 1..=255 (255: address owner).
    pub priority: u8,
    /// Advertisement interval: whole seconds for v2 (1..=255 s), a multiple of
    /// 10 ms for v3 (10 ms..=40.95 s).
    pub advert_interval: Duration,
    /// The virtual addresses; their family is the instance's.
    pub vips: AddrList,
    /// Our primary address on the interface (the adverts' source; for IPv6,
    /// the link-local address).
    pub primary: IpAddr,
    /// Interface MAC, for GARP / NA frames.
    pub mac: MacAddr,
    /// Preempt a lower-priority master (`false`: keepalived's `nopreempt`).
    pub preempt: bool,
    /// keepalived's `preempt_delay`: for this long after the first
    /// lower-priority advert, accept it as if it were higher.
    pub preempt_delay: Duration,
    /// Accept mode (RFC 5798): the master accepts packets for the VIPs.
    /// The engine sends nothing differently; a driver enforcing it blocks
    /// the addresses of a non-owner master without it (the Linux layer's
    /// `AcceptFilter`, as keepalived does only with `vrrp_strict` or
    /// `no_accept`).
    pub accept: bool,
    /// VRRPv2 authentication (ignored for v3).
    pub auth: V2Auth,
    /// keepalived's `v3_checksum_as_v2`: no pseudo-header for v3 over IPv4.
    pub v3_checksum_as_v2: bool,
    /// Unicast peers; empty means multicast to 224.0.0.18 / ff02::12.
    pub unicast_peers: Vec<IpAddr>,
    /// With unicast peers: drop adverts whose source is not a peer.
    pub check_unicast_source: bool,
    /// Number of tracked interfaces (indexes for
    /// [`Command::InterfaceState`](super::Command::InterfaceState)).
    pub track_interfaces: usize,
    /// Tracked scripts (indexes for [`Command::ScriptResult`](super::Command::ScriptResult)).
    pub track_scripts: Vec<TrackScript>,
    /// GARP / NA scheduling.
    pub garp: GarpConfig,
}

impl InstanceConfig {
    /// A configuration with keepalived's defaults for everything but the
    /// identity: preempt on, no delay, multicast, no tracking.
    pub fn new(
        name: &str,
        vrid: u8,
        version: Version,
        priority: u8,
        primary: IpAddr,
        vips: AddrList,
    ) -> Self {
        InstanceConfig {
            name: name.to_string(),
            vrid,
            version,
            priority,
            advert_interval: Duration::from_secs(1),
            vips,
            primary,
            mac: MacAddr::default(),
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept: false,
            auth: V2Auth::NONE,
            v3_checksum_as_v2: false,
            unicast_peers: Vec::new(),
            check_unicast_source: false,
            track_interfaces: 0,
            track_scripts: Vec::new(),
            garp: GarpConfig::default(),
        }
    }

    /// The address family of the instance (that of its VIPs).
    pub fn family(&self) -> Family {
        self.vips.family()
    }

    /// The advert interval field for the wire (v2 seconds, v3 centiseconds).
    pub(crate) fn interval_field(&self) -> u16 {
        match self.version {
            Version::V2 => self.advert_interval.as_secs() as u16,
            Version::V3 => (self.advert_interval.as_millis() / 10) as u16,
        }
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |what: &str| {
            Err(ConfigError::Invalid {
                instance: self.name.clone(),
                what: what.to_string(),
            })
        };
        if self.vrid == 0 {
            return err("virtual_router_id 0: use 1..=255");
        }
        if self.priority == 0 {
            return err("priority 0 is reserved for the master's resignation: use 1..=255");
        }
        if self.vips.is_empty() {
            return err("no virtual address: configure at least one");
        }
        if self.vips.len() > 255 {
            return err("more than 255 virtual addresses: the advert's count field is one byte");
        }
        let fam_ok = matches!(
            (self.family(), self.primary),
            (Family::V4, IpAddr::V4(_)) | (Family::V6, IpAddr::V6(_))
        );
        if !fam_ok {
            return err("the primary address and the virtual addresses are of different families");
        }
        if self
            .unicast_peers
            .iter()
            .any(|p| p.is_ipv4() != self.primary.is_ipv4())
        {
            return err("a unicast peer is of another family than the instance");
        }
        match self.version {
            Version::V2 => {
                if self.family() == Family::V6 {
                    return err("VRRPv2 is IPv4-only: use vrrp_version 3 for IPv6");
                }
                let s = self.advert_interval;
                if s.subsec_nanos() != 0 || s.as_secs() == 0 || s.as_secs() > 255 {
                    return err("VRRPv2 advert_int must be a whole number of seconds in 1..=255");
                }
            }
            Version::V3 => {
                let ms = self.advert_interval.as_millis();
                if self.advert_interval.as_nanos() % 10_000_000 != 0 || !(10..=40_950).contains(&ms)
                {
                    return err("VRRPv3 advert_int must be a multiple of 10 ms in 0.01..=40.95 s");
                }
            }
        }
        Ok(())
    }
}

/// An invalid configuration or a misuse of the API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An instance's configuration is invalid.
    #[error("vrrp_instance {instance}: {what}")]
    Invalid {
        /// Instance name.
        instance: String,
        /// What is wrong and what to do.
        what: String,
    },
    /// Two instances share a VRID and family.
    #[error(
        "vrrp_instance {0} and {1} use the same virtual_router_id and family: give each its own VRID"
    )]
    DuplicateVrid(String, String),
    /// A command or sync group names an instance the router does not have.
    #[error("there is no instance with index {0} (InstanceId comes from Router::add_instance)")]
    UnknownInstance(usize),
    /// A command referred to a tracked object the instance does not have.
    #[error("instance {instance} has no tracked {kind} number {index}")]
    UnknownTrack {
        /// Instance name.
        instance: String,
        /// "interface" or "script".
        kind: &'static str,
        /// The index given.
        index: usize,
    },
}
