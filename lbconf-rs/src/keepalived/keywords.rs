//! Known keywords per block (from keepalived.conf(5) of 2.2.7) and the "did you
//! mean" suggestion for unknown ones.

/// Top-level keywords.
pub const TOP: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_file",
    "track_file",
    "vrrp_sync_group",
    "vrrp_instance",
    "virtual_server_group",
    "virtual_server",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "linkbeat_interfaces",
    "track_group",
    "garp_group",
    "vrrp_track_process",
    "bfd_instance",
    "SSL",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "instance",
    "use_pid_dir",
    "linkbeat_use_polling",
    "child_wait_time",
    "include",
    "includer",
    "includem",
    "includew",
    "includeb",
    "includea",
];

/// `global_defs` keywords.
pub const GLOBAL: &[&str] = &[
    "tmp_config_directory",
    "config_save_dir",
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "lvs_process_name",
    "bfd_process_name",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_helo_name",
    "smtp_connect_timeout",
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "checker_log_all_failures",
    "no_email_faults",
    "router_id",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "default_interface",
    "disable_local_igmp",
    "lvs_sync_daemon",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "lvs_flush_onstop",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_down_timer_adverts",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_min_garp",
    "vrrp_garp_extra_if",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_version",
    "nftables",
    "nftables_priority",
    "nftables_counters",
    "nftables_ifindex",
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "vrrp_iptables",
    "vrrp_check_unicast_src",
    "vrrp_skip_check_adv_addr",
    "vrrp_strict",
    "vrrp_notify_priority_changes",
    "max_auto_priority",
    "min_auto_priority_delay",
    "vrrp_priority",
    "checker_priority",
    "bfd_priority",
    "vrrp_no_swap",
    "checker_no_swap",
    "bfd_no_swap",
    "vrrp_cpu_affinity",
    "checker_cpu_affinity",
    "bfd_cpu_affinity",
    "vrrp_rt_priority",
    "checker_rt_priority",
    "bfd_rt_priority",
    "vrrp_rlimit_rttime",
    "checker_rlimit_rttime",
    "bfd_rlimit_rttime",
    "vrrp_rlimit_rtime",
    "checker_rlimit_rtime",
    "bfd_rlimit_rtime",
    "snmp_socket",
    "enable_snmp_vrrp",
    "enable_snmp_checker",
    "enable_snmp_keepalived",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_traps",
    "enable_dbus",
    "dbus_service_name",
    "script_user",
    "enable_script_security",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "fifo_write_vrrp_states_on_reload",
    "dynamic_interfaces",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "lvs_netlink_cmd_rcv_bufs",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs",
    "lvs_netlink_monitor_rcv_bufs_force",
    "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "rs_init_notifies",
    "no_checker_emails",
    "umask",
    "vrrp_startup_delay",
    "log_unknown_vrids",
    "vmac_prefix",
    "vmac_addr_prefix",
    "random_seed",
    "reload_check_config",
    "include_check",
    "reload_time_file",
    "reload_repeat",
    "reload_file",
    "data_use_instance",
];

/// `vrrp_script` keywords.
pub const SCRIPT: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

/// `vrrp_track_file` keywords.
pub const TRACK_FILE: &[&str] = &["file", "weight", "init_file"];

/// `vrrp_sync_group` keywords.
pub const SYNC: &[&str] = &[
    "group",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "notify_priority_changes",
    "smtp_alert",
    "global_tracking",
    "sync_group_tracking_weight",
];

/// `vrrp_instance` keywords.
pub const INSTANCE: &[&str] = &[
    "state",
    "interface",
    "vrf",
    "use_vmac",
    "use_vmac_addr",
    "vmac_xmit_base",
    "use_ipvlan",
    "native_ipv6",
    "dont_track_primary",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "track_src_ip",
    "version",
    "check_unicast_src",
    "unicast_peer",
    "unicast_fault_no_peer",
    "unicast_ttl",
    "old_unicast_checksum",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "garp_extra_if",
    "down_timer_adverts",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "virtual_router_id",
    "priority",
    "advert_int",
    "authentication",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "promote_secondaries",
    "virtual_routes",
    "virtual_rules",
    "accept",
    "no_accept",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "skip_check_adv_addr",
    "strict_mode",
    "debug",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "notify_master_rx_lower_pri",
    "notify_priority_changes",
    "smtp_alert",
    "kernel_rx_buf_size",
    "linkbeat_use_polling",
];

/// `authentication` keywords.
pub const AUTH: &[&str] = &["auth_type", "auth_pass"];

/// `virtual_server` keywords.
pub const VS: &[&str] = &[
    "lb_algo",
    "lvs_sched",
    "lb_kind",
    "lvs_method",
    "persistence_engine",
    "persistence_timeout",
    "persistence_granularity",
    "protocol",
    "ha_suspend",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
    "alpha",
    "omega",
    "quorum",
    "hysteresis",
    "weight",
    "quorum_up",
    "quorum_down",
    "ip_family",
    "sorry_server",
    "sorry_server_inhibit",
    "sorry_server_lvs_method",
    "connect_timeout",
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "inhibit_on_failure",
    "real_server",
    "flag-1",
    "flag-2",
    "flag-3",
    "ops",
    "sh-port",
    "sh-fallback",
    "mh-port",
    "mh-fallback",
];

/// `real_server` keywords.
pub const RS: &[&str] = &[
    "weight",
    "inhibit_on_failure",
    "notify_up",
    "notify_down",
    "uthreshold",
    "lthreshold",
    "smtp_alert",
    "virtualhost",
    "alpha",
    "connect_timeout",
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "lvs_method",
    "TCP_CHECK",
    "HTTP_GET",
    "SSL_GET",
    "MISC_CHECK",
    "SMTP_CHECK",
    "DNS_CHECK",
    "UDP_CHECK",
    "PING_CHECK",
    "FILE_CHECK",
    "BFD_CHECK",
];

/// Keywords of every checker block.
pub const CHECK_COMMON: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_if",
    "bind_port",
    "connect_timeout",
    "fwmark",
    "warmup",
    "retry",
    "delay_before_retry",
    "delay_loop",
    "alpha",
    "log_all_failures",
];

/// Keywords of one checker kind, besides [`CHECK_COMMON`].
pub fn checker_specific(kind: &str) -> &'static [&'static str] {
    match kind {
        "HTTP_GET" | "SSL_GET" => &[
            "http_protocol",
            "virtualhost",
            "fast_recovery",
            "url",
            "enable_sni",
        ],
        "SMTP_CHECK" => &["helo_name", "host"],
        "DNS_CHECK" => &["type", "name"],
        "MISC_CHECK" => &["misc_path", "misc_timeout", "misc_dynamic", "user"],
        "UDP_CHECK" => &[
            "payload",
            "require_reply",
            "min_reply_length",
            "max_reply_length",
        ],
        "FILE_CHECK" => &["track_file", "weight", "dynamic"],
        "BFD_CHECK" => &["name", "weight"],
        _ => &[],
    }
}

/// `url` keywords.
pub const URL: &[&str] = &[
    "path",
    "digest",
    "status_code",
    "virtualhost",
    "regex",
    "regex_no_match",
    "regex_options",
    "regex_stack",
    "regex_min_offset",
    "regex_max_offset",
];

/// Keywords that take a `{ ... }` block (any other keyword with a block is an
/// "unexpected `{`" for keepalived).
pub fn takes_block(k: &str) -> bool {
    matches!(
        k,
        "global_defs"
            | "vrrp_script"
            | "vrrp_track_file"
            | "track_file"
            | "vrrp_sync_group"
            | "vrrp_instance"
            | "virtual_server_group"
            | "virtual_server"
            | "static_ipaddress"
            | "static_routes"
            | "static_rules"
            | "linkbeat_interfaces"
            | "track_group"
            | "garp_group"
            | "vrrp_track_process"
            | "bfd_instance"
            | "SSL"
            | "notification_email"
            | "group"
            | "track_interface"
            | "track_script"
            | "track_process"
            | "track_bfd"
            | "authentication"
            | "virtual_ipaddress"
            | "virtual_ipaddress_excluded"
            | "virtual_routes"
            | "virtual_rules"
            | "unicast_peer"
            | "real_server"
            | "url"
            | "host"
            | "interfaces"
            | "lvs_sync_daemon"
            | "vrrp_garp_extra_if"
            | "garp_extra_if"
    ) || crate::keepalived::model::CHECKERS.contains(&k)
}

/// Levenshtein distance, bounded for long inputs.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate().take(64) {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest known keyword, when close enough to be a likely typo.
pub fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = word.to_ascii_lowercase();
    known
        .iter()
        .map(|k| {
            let prefix = word.len() > 3 && k.starts_with(word);
            let d = if prefix {
                0
            } else {
                distance(&lower, &k.to_ascii_lowercase())
            };
            (d, *k)
        })
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keywords_only() {
        assert_eq!(
            suggest("virtual_router", INSTANCE),
            Some("virtual_router_id")
        );
        assert_eq!(suggest("prority", INSTANCE), Some("priority"));
        assert_eq!(suggest("auth_type", INSTANCE), None);
        assert_eq!(suggest("vrrp_instanse", TOP), Some("vrrp_instance"));
    }
}
