//! The values of `global_defs` statements without a typed field, read as
//! keepalived 2.2.7's `global_parser.c` reads them: every value it reports
//! (and `keepalived -t` then fails on) is reported here.
//!
//! Numbers follow keepalived's readers: whole numbers in base 10 (`+`
//! allowed, no `0x`), unsigned ones report a `-`; seconds are digits with at
//! most one `.` (no exponent, `inf` or hex). Three rules depend on the host,
//! as keepalived reads it while parsing (like the interfaces and users the
//! other checks look up): the CPUs online (`*_cpu_affinity`), an existing
//! `config_save_dir` that is not a directory, and the users and groups of
//! `startup_script`/`shutdown_script`.

use super::Builder;
use crate::diagnostic::Diagnostic;
use crate::keepalived::model::{Setting, Spanned};
use crate::source::Span;

/// Statements keepalived only knows at the top level: inside `global_defs`
/// it reports them as unknown keywords.
pub(super) const TOP_ONLY: &[&str] = &[
    "linkbeat_use_polling",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "instance",
    "use_pid_dir",
    "child_wait_time",
];

/// keepalived's longest time in seconds, `UINT_MAX / TIMER_HZ`.
const SECS_MAX: f64 = u32::MAX as f64 / 1e6;

/// The true/false statements (`check_true_false`: no value is true).
const FLAGS: &[&str] = &[
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "checker_log_all_failures",
    "vrrp_min_garp",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_notify_priority_changes",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "process_monitor_rcv_bufs_force",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs_force",
    "rs_init_notifies",
    "no_checker_emails",
    "data_use_instance",
];

/// Statements that need a value and take any.
const NAMES: &[&str] = &[
    "notification_email_from",
    "dbus_service_name",
    "default_interface",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "tmp_config_directory",
    "vmac_prefix",
    "vmac_addr_prefix",
];

/// Whole numbers read unsigned: keyword, least, most.
const UNSIGNED: &[(&str, i64, i64)] = &[
    ("startup_script_timeout", 1, 1000),
    ("shutdown_script_timeout", 1, 1000),
    ("min_auto_priority_delay", 1, 10_000_000),
    ("vrrp_down_timer_adverts", 1, 100),
    ("vrrp_rlimit_rttime", 1, U32),
    ("checker_rlimit_rttime", 1, U32),
    ("bfd_rlimit_rttime", 1, U32),
    ("vrrp_rlimit_rtime", 1, U32),
    ("checker_rlimit_rtime", 1, U32),
    ("bfd_rlimit_rtime", 1, U32),
    ("nftables_ipvs_start_fwmark", 1, U32),
    ("random_seed", 0, U32),
    ("vrrp_netlink_cmd_rcv_bufs", 0, U32),
    ("vrrp_netlink_monitor_rcv_bufs", 0, U32),
    ("process_monitor_rcv_bufs", 0, U32),
    ("lvs_netlink_cmd_rcv_bufs", 0, U32),
    ("lvs_netlink_monitor_rcv_bufs", 0, U32),
];

/// Whole numbers read signed: keyword, least, most. The real-time
/// priorities are SCHED_RR's 1-99 (keepalived reports and clamps others).
const SIGNED: &[(&str, i64, i64)] = &[
    ("vrrp_priority", -20, 19),
    ("checker_priority", -20, 19),
    ("bfd_priority", -20, 19),
    ("vrrp_rt_priority", 1, 99),
    ("checker_rt_priority", 1, 99),
    ("bfd_rt_priority", 1, 99),
    ("nftables_priority", -I32 - 1, I32),
    ("nftables_ipvs_priority", -I32 - 1, I32),
];

const U32: i64 = u32::MAX as i64;
const I32: i64 = i32::MAX as i64;

/// What is wrong with a number as keepalived reads it, or its value.
enum Number {
    Ok(i64),
    /// Not a number at all.
    Invalid,
    /// A `-` where keepalived reads an unsigned number.
    Negative,
    /// A number outside the range (or outside 32 bits).
    Outside,
}

/// `s` as keepalived's `read_int`/`read_unsigned` (strtol/strtoul, base 10)
/// reads it, within `min..=max`.
fn number(s: &str, unsigned: bool, min: i64, max: i64) -> Number {
    let t = s.trim_start_matches([' ', '\t']);
    if unsigned && t.starts_with('-') {
        return Number::Negative;
    }
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Number::Invalid;
    }
    match t.parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Number::Ok(v),
        _ => Number::Outside,
    }
}

/// `s` as keepalived's `read_double` reads seconds: digits with at most
/// one `.`; `None` when it is no such number, `Some(Err(()))` when negative.
fn seconds(s: &str) -> Option<Result<f64, ()>> {
    let t = s.trim_start_matches([' ', '\t']);
    if let Some(rest) = t.strip_prefix('-') {
        return seconds(rest).map(|_| Err(()));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let ok = t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1;
    ok.then(|| t.parse::<f64>().map_err(|_| ()))
}

/// The CPUs online (`sysconf(_SC_NPROCESSORS_ONLN)`: glibc counts the
/// ranges of `/sys/devices/system/cpu/online`).
fn cpus_online() -> i64 {
    let counted = std::fs::read_to_string("/sys/devices/system/cpu/online")
        .ok()
        .and_then(|t| {
            t.trim().split(',').try_fold(0i64, |n, r| {
                let (a, b) = r.split_once('-').unwrap_or((r, r));
                Some(n + b.trim().parse::<i64>().ok()? - a.trim().parse::<i64>().ok()? + 1)
            })
        });
    counted.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| i64::try_from(n.get()).unwrap_or(1))
    })
}

/// Statements keepalived takes once: it reports a second one (in any
/// `global_defs` block) and ignores it.
const ONCE: &[&str] = &[
    "lvs_sync_daemon",
    "snmp_socket",
    "nftables",
    "nftables_ipvs",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "vmac_prefix",
    "vmac_addr_prefix",
    "startup_script",
    "shutdown_script",
];

/// What the `global_defs` blocks have said so far, in file order: keepalived
/// keeps its global settings across blocks, and looks up the default script
/// user when it reads a `startup_script`/`shutdown_script`, if script
/// security is on by then.
#[derive(Default)]
pub(crate) struct GlobalState {
    security: bool,
    user: bool,
    /// The first `startup_script` or `shutdown_script` read.
    first: Option<Span>,
    /// The [`ONCE`] statements read.
    once: Vec<String>,
    /// `vrrp_rx_bufs_policy`: MTU, ADVERT, a size.
    rx_bufs: [bool; 3],
}

impl Builder {
    /// A number of `x` at `a`, reported as keepalived reports it.
    fn ka_number(
        &mut self,
        x: &Setting,
        a: &Spanned<String>,
        unsigned: bool,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let k = &x.keyword.value;
        let problem = match number(&a.value, unsigned, min, max) {
            Number::Ok(v) => return Some(v),
            Number::Invalid => Diagnostic::error("K0102", format!("`{}` is not a number", a.value))
                .with_label(
                    a.span,
                    format!("`{k}` takes a whole number; keepalived ignores this"),
                ),
            Number::Negative => Diagnostic::error("K0103", format!("{k} {} is negative", a.value))
                .with_label(
                    a.span,
                    "keepalived reads an unsigned number here and ignores this",
                ),
            Number::Outside => Diagnostic::error(
                "K0103",
                format!("{k} {} is outside the range [{min}, {max}]", a.value),
            )
            .with_label(a.span, "keepalived ignores this value"),
        };
        self.diags
            .push(problem.with_help(format!("use a whole number from {min} to {max}")));
        None
    }

    /// The first value of `x`, reporting a missing one.
    fn first<'s>(&mut self, x: &'s Setting) -> Option<&'s Spanned<String>> {
        let a = x.args.first();
        if a.is_none() {
            self.arg(x);
        }
        a
    }

    fn bad_value(&mut self, code: &'static str, at: Span, what: String, does: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(code, what)
                .with_label(at, does)
                .with_help(help.to_owned()),
        );
    }

    /// Checks the value of a `global_defs` statement that has no typed field;
    /// `false` when keepalived does not know `x` in `global_defs`.
    pub(super) fn global_value(&mut self, x: &Setting) -> bool {
        let k = x.keyword.value.as_str();
        // A name that keepalived reports missing does not count; the nftables
        // table name has a default.
        if ONCE.contains(&k) && (!x.args.is_empty() || k.starts_with("nftables")) {
            if self.globals.once.iter().any(|o| o == k) {
                self.bad_value(
                    "K0192",
                    x.keyword.span,
                    format!("{k} given twice"),
                    "keepalived reports the second one and ignores it",
                    &format!("keep one `{k}` over all global_defs blocks"),
                );
                return true;
            }
            self.globals.once.push(k.to_owned());
        }
        if FLAGS.contains(&k) {
            self.flag(x);
            return true;
        }
        if NAMES.contains(&k) {
            self.first(x);
            return true;
        }
        if let Some(&(_, min, max)) = UNSIGNED.iter().find(|(n, ..)| *n == k) {
            if let Some(a) = self.first(x) {
                self.ka_number(x, a, true, min, max);
            }
            return true;
        }
        if let Some(&(_, min, max)) = SIGNED.iter().find(|(n, ..)| *n == k) {
            if let Some(a) = self.first(x) {
                self.ka_number(x, a, false, min, max);
            }
            return true;
        }
        match k {
            "process_name"
            | "vrrp_process_name"
            | "checker_process_name"
            | "lvs_process_name"
            | "bfd_process_name" => {
                if let Some(a) = self.first(x)
                    && a.value.len() > 15
                {
                    self.bad_value(
                        "K0186",
                        a.span,
                        format!("process name {} is longer than 15 characters", a.value),
                        "keepalived reports it and cuts it to 15",
                        "use a name of at most 15 characters (the kernel's limit)",
                    );
                }
            }
            "nftables" | "nftables_ipvs" => {
                if let Some(a) = x.args.first()
                    && a.value.len() >= 256
                {
                    self.bad_value(
                        "K0186",
                        a.span,
                        format!("{k} table name is longer than 255 characters"),
                        "keepalived reports it and ignores the statement",
                        "use a shorter table name",
                    );
                }
            }
            "max_auto_priority" => {
                // No value is -1 (off); keepalived says "must be in [0, 99]
                // (or -1 to disable)".
                if let Some(a) = x.args.first() {
                    self.ka_number(x, a, false, -1, 99);
                }
            }
            "vrrp_garp_interval" | "vrrp_gna_interval" | "vrrp_startup_delay" => {
                let min = if k == "vrrp_startup_delay" {
                    0.001
                } else {
                    0.000_001
                };
                if let Some(a) = self.first(x) {
                    self.ka_seconds(x, a, min);
                }
            }
            "vrrp_cpu_affinity" | "checker_cpu_affinity" | "bfd_cpu_affinity" => {
                if self.first(x).is_some() {
                    let cpus = cpus_online();
                    for a in &x.args {
                        match number(&a.value, false, 0, cpus - 1) {
                            Number::Ok(_) => continue,
                            Number::Invalid => {
                                self.ka_number(x, a, false, 0, cpus - 1);
                            }
                            Number::Negative | Number::Outside => self.bad_value(
                                "K0180",
                                a.span,
                                format!("{k} {} is not a CPU online on this host", a.value),
                                &format!(
                                    "this host has {cpus} CPUs online; keepalived drops the whole list"
                                ),
                                "use CPU numbers from 0 to the number of CPUs online minus 1",
                            ),
                        }
                        break;
                    }
                }
            }
            "vrrp_rx_bufs_multiplier" => match x.args.as_slice() {
                [a] => {
                    self.ka_number(x, a, true, 1, U32);
                }
                [] => {
                    self.arg(x);
                }
                [_, extra, ..] => self.extra_values(x, extra, "one value"),
            },
            "snmp_socket" | "reload_time_file" => match x.args.as_slice() {
                [_] => {}
                [] => {
                    self.arg(x);
                }
                [_, extra, ..] => self.extra_values(x, extra, "one value"),
            },
            "umask" => self.umask(x),
            "lvs_timeouts" => self.lvs_timeouts(x),
            "lvs_sync_daemon" => self.lvs_sync_daemon(x),
            "vrrp_mcast_group4" | "vrrp_mcast_group6" => self.mcast_group(x),
            "vrrp_garp_extra_if" => self.garp_extra_if(x),
            "vrrp_rx_bufs_policy" => self.rx_bufs_policy(x),
            "dynamic_interfaces" => self.only_option(x, "allow_if_changes"),
            "lvs_flush_on_stop" | "lvs_flush_onstop" => self.only_option(x, "VS"),
            "include_check" => {
                if let Some(a) = x.args.first() {
                    self.bad_value(
                        "K0185",
                        a.span,
                        format!("unknown include_check type `{}`", a.value),
                        "keepalived 2.2.7 knows no type here and ignores it",
                        "write `include_check` alone",
                    );
                }
            }
            "config_save_dir" => {
                if let Some(a) = self.first(x) {
                    let p = std::path::Path::new(&a.value);
                    if p.exists() && !p.is_dir() {
                        self.bad_value(
                            "K0189",
                            a.span,
                            format!("config_save_dir {} is not a directory", a.value),
                            "it exists on this host; keepalived cannot save the configuration there",
                            "name a directory (keepalived creates a missing one)",
                        );
                    }
                }
            }
            "startup_script" | "shutdown_script" => self.start_stop_script(x),
            "vrrp_iptables" => self.bad_value(
                "K0188",
                x.keyword.span,
                "this keepalived is built without iptables".into(),
                "keepalived 2.2.7 of Debian uses nftables and reports this keyword",
                "replace `vrrp_iptables` and `vrrp_ipsets` with `nftables`",
            ),
            "notification_email" => {
                if let Some(a) = x.args.first() {
                    self.bad_value(
                        "K0190",
                        a.span,
                        format!("notification_email has extra values `{}`", a.value),
                        "keepalived reports words between the keyword and the block",
                        "write `notification_email {` and the addresses inside the block",
                    );
                }
                if x.block.is_none() {
                    self.diags.push(
                        Diagnostic::warning("K0108", "notification_email without a block")
                            .with_label(x.keyword.span, "keepalived reads an empty block")
                            .with_help("write `notification_email { ADDRESS ... }`"),
                    );
                }
            }
            k if TOP_ONLY.contains(&k) => self.bad_value(
                "K0187",
                x.keyword.span,
                format!("`{k}` belongs at the top level, not in global_defs"),
                "keepalived reports an unknown keyword here",
                "move it out of the global_defs block",
            ),
            _ => return false,
        }
        true
    }

    fn extra_values(&mut self, x: &Setting, extra: &Spanned<String>, takes: &str) {
        self.bad_value(
            "K0190",
            extra.span,
            format!("too many values for {}", x.keyword.value),
            "keepalived reports the statement and ignores it",
            &format!("`{}` takes {takes}", x.keyword.value),
        );
    }

    /// Seconds from `min` to `UINT_MAX / TIMER_HZ`.
    fn ka_seconds(&mut self, x: &Setting, a: &Spanned<String>, min: f64) {
        let k = &x.keyword.value;
        let d = match seconds(&a.value) {
            Some(Ok(v)) if (min..=SECS_MAX).contains(&v) => return,
            None => Diagnostic::error("K0102", format!("`{}` is not a number", a.value))
                .with_label(
                    a.span,
                    format!("`{k}` takes seconds, e.g. 0.5; keepalived ignores this"),
                ),
            Some(_) => Diagnostic::error(
                "K0103",
                format!("{k} {} is outside the range [{min}, {SECS_MAX}]", a.value),
            )
            .with_label(a.span, "keepalived ignores this value"),
        };
        self.diags.push(d.with_help(format!(
            "use seconds from {min} to {SECS_MAX}, digits and one `.` at most"
        )));
    }

    /// `KEYWORD [OPTION]`: only `option` may follow (nothing after it is
    /// read).
    fn only_option(&mut self, x: &Setting, option: &str) {
        if let Some(a) = x.args.first()
            && a.value != option
        {
            self.bad_value(
                "K0185",
                a.span,
                format!("unknown {} option `{}`", x.keyword.value, a.value),
                "keepalived reports it and ignores it",
                &format!(
                    "write `{}` or `{} {option}`",
                    x.keyword.value, x.keyword.value
                ),
            );
        }
    }

    /// `umask MODE`: a number (C notation: `022`, `0x12`) of permission bits
    /// only, or `IRUSR|IWGRP|...` over one or more words.
    fn umask(&mut self, x: &Setting) {
        let Some(first) = self.first(x) else {
            return;
        };
        let help = "write an octal mask such as 022, or bits such as `IWGRP|IWOTH`";
        if first.value.starts_with(|c: char| c.is_ascii_digit()) {
            if let Some(extra) = x.args.get(1) {
                self.extra_values(x, extra, "one number");
                return;
            }
            let s = first.value.as_str();
            let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                i64::from_str_radix(h, 16).ok()
            } else if s.len() > 1 && s.starts_with('0') {
                i64::from_str_radix(&s[1..], 8).ok()
            } else {
                s.parse::<i64>().ok()
            };
            if v.is_none_or(|v| v & !0o777 != 0) {
                self.bad_value(
                    "K0181",
                    first.span,
                    format!("invalid umask value {s}"),
                    "keepalived ignores it (only the bits of 0777 may be set)",
                    help,
                );
            }
            return;
        }
        const BITS: &[&str] = &[
            "IRUSR", "IWUSR", "IXUSR", "IRGRP", "IWGRP", "IXGRP", "IROTH", "IWOTH", "IXOTH",
        ];
        let mut need_or = false;
        for a in &x.args {
            let mut p = a.value.as_str();
            while !p.is_empty() {
                if need_or {
                    if let Some(rest) = p.strip_prefix('|') {
                        need_or = false;
                        p = rest;
                        continue;
                    }
                    self.bad_value(
                        "K0181",
                        a.span,
                        format!("invalid umask syntax {}", a.value),
                        "keepalived wants `|` between bits and ignores the umask",
                        help,
                    );
                    return;
                }
                match BITS.iter().find(|b| p.starts_with(**b)) {
                    Some(b) => {
                        p = &p[b.len()..];
                        need_or = true;
                    }
                    None => {
                        self.bad_value(
                            "K0181",
                            a.span,
                            format!("unknown umask bit {p}"),
                            "keepalived ignores the umask",
                            help,
                        );
                        return;
                    }
                }
            }
        }
        if !need_or {
            self.bad_value(
                "K0181",
                x.args.last().map_or(x.keyword.span, |a| a.span),
                "umask ends without a bit".into(),
                "keepalived ignores the umask",
                help,
            );
        }
    }

    /// `lvs_timeouts tcp|tcpfin|udp SECS ...`: at least one pair, each
    /// value 0 to 31 days.
    fn lvs_timeouts(&mut self, x: &Setting) {
        if x.args.len() < 2 {
            self.bad_value(
                "K0182",
                x.keyword.span,
                "lvs_timeouts needs an option and a value".into(),
                "keepalived reports it and ignores the statement",
                "write e.g. `lvs_timeouts tcp 7200 tcpfin 120 udp 300`",
            );
            return;
        }
        let mut i = 0;
        while let Some(a) = x.args.get(i) {
            i += 1;
            if !matches!(a.value.as_str(), "tcp" | "tcpfin" | "udp") {
                self.bad_value(
                    "K0182",
                    a.span,
                    format!("unknown lvs_timeouts option `{}`", a.value),
                    "keepalived reports it and reads on",
                    "the options are tcp, tcpfin and udp, each followed by seconds",
                );
                continue;
            }
            match x.args.get(i) {
                Some(v) => {
                    self.ka_number(x, v, true, 0, 86_400 * 31);
                    i += 1;
                }
                None => self.bad_value(
                    "K0182",
                    a.span,
                    format!("lvs_timeouts {} has no value", a.value),
                    "keepalived reports it and ignores it",
                    "follow the option with seconds (0 to 2678400)",
                ),
            }
        }
    }

    /// `lvs_sync_daemon IFNAME [VRRP_INSTANCE] [id N] [maxlen N] [port N]
    /// [ttl N] [group ADDRESS]`.
    fn lvs_sync_daemon(&mut self, x: &Setting) {
        let Some(ifname) = x.args.first() else {
            self.bad_value(
                "K0183",
                x.keyword.span,
                "lvs_sync_daemon needs an interface".into(),
                "keepalived reports it and ignores the statement",
                "write `lvs_sync_daemon INTERFACE VRRP_INSTANCE`",
            );
            return;
        };
        if ifname.value.len() >= 16 {
            self.bad_value(
                "K0183",
                ifname.span,
                format!(
                    "lvs_sync_daemon interface name {} is too long",
                    ifname.value
                ),
                "keepalived ignores the statement",
                "interface names have at most 15 characters",
            );
            return;
        }
        let mut i = 2;
        if let Some(old) = x.args.get(2)
            && old.value.starts_with(|c: char| c.is_ascii_digit())
        {
            self.bad_value(
                "K0183",
                old.span,
                "lvs_sync_daemon sync id without `id`".into(),
                "keepalived reports the old form",
                "write `id N` for the sync id",
            );
            i = 3;
        }
        while let Some(o) = x.args.get(i) {
            i += 1;
            let range = match o.value.as_str() {
                "id" => Some((0, 255)),
                "maxlen" => Some((1, 65_535 - 20 - 8)),
                "port" => Some((1, 65_535)),
                "ttl" => Some((1, 255)),
                "group" => None,
                _ => {
                    self.bad_value(
                        "K0183",
                        o.span,
                        format!("unknown lvs_sync_daemon option `{}`", o.value),
                        "keepalived reports it and reads on",
                        "the options are id, maxlen, port, ttl and group, each with a value",
                    );
                    continue;
                }
            };
            let Some(v) = x.args.get(i) else {
                self.bad_value(
                    "K0183",
                    o.span,
                    format!("lvs_sync_daemon {} has no value", o.value),
                    "keepalived reports it and ignores it",
                    "follow the option with its value",
                );
                break;
            };
            i += 1;
            match range {
                Some((min, max)) => {
                    self.ka_number(x, v, true, min, max);
                }
                None => match super::dotted_quad(&v.value)
                    .map(std::net::IpAddr::V4)
                    .or_else(|| v.value.parse().ok())
                {
                    Some(ip) if ip.is_multicast() => {}
                    found => self.bad_value(
                        "K0183",
                        v.span,
                        match found {
                            Some(_) => {
                                format!("lvs_sync_daemon group {} is not multicast", v.value)
                            }
                            None => {
                                format!("lvs_sync_daemon group `{}` is not an address", v.value)
                            }
                        },
                        "keepalived reports it and ignores the group",
                        "use a multicast address, e.g. 224.0.0.81",
                    ),
                },
            }
        }
    }

    /// `vrrp_mcast_group4 ADDRESS` (IPv4 multicast), `vrrp_mcast_group6
    /// ADDRESS` (IPv6 link-local multicast, `ff02::...`); a `/LEN` is
    /// dropped.
    fn mcast_group(&mut self, x: &Setting) {
        let Some(a) = self.first(x) else {
            return;
        };
        let v6 = x.keyword.value.ends_with('6');
        let addr = a.value.split_once('/').map_or(a.value.as_str(), |(h, _)| h);
        let ip = super::dotted_quad(addr)
            .map(std::net::IpAddr::V4)
            .or_else(|| {
                addr.parse::<std::net::Ipv6Addr>()
                    .ok()
                    .map(std::net::IpAddr::V6)
            });
        let (what, help) = match ip {
            None => ("is not an address", "write the address literally"),
            Some(ip) if ip.is_ipv6() != v6 => (
                if v6 { "is not IPv6" } else { "is not IPv4" },
                if v6 {
                    "use an IPv6 multicast address, e.g. ff02::12"
                } else {
                    "use an IPv4 multicast address, e.g. 224.0.0.18"
                },
            ),
            Some(ip) if !ip.is_multicast() => (
                "is not multicast",
                if v6 {
                    "use an IPv6 multicast address, e.g. ff02::12"
                } else {
                    "use an IPv4 multicast address in 224.0.0.0/4, e.g. 224.0.0.18"
                },
            ),
            Some(std::net::IpAddr::V6(ip)) if ip.segments()[0] & 0xff0f != 0xff02 => (
                "is not link-local multicast",
                "use a link-local multicast address, ff02::...",
            ),
            Some(_) => return,
        };
        self.bad_value(
            "K0184",
            a.span,
            format!("{} {} {what}", x.keyword.value, a.value),
            "keepalived reports it and keeps the default group",
            help,
        );
    }

    /// `vrrp_garp_extra_if SECS [all]`: seconds 1 to 86400.
    fn garp_extra_if(&mut self, x: &Setting) {
        let mut time = false;
        for a in &x.args {
            if a.value == "all" {
                continue;
            }
            if self.ka_number(x, a, true, 1, 86_400).is_none() {
                return;
            }
            time = true;
        }
        if !time {
            self.bad_value(
                "K0185",
                x.keyword.span,
                "vrrp_garp_extra_if without a time".into(),
                "keepalived reports it and ignores the statement",
                "write `vrrp_garp_extra_if SECS [all]`",
            );
        }
    }

    /// `vrrp_rx_bufs_policy MTU|ADVERT|SIZE ...`: keepalived reads any word
    /// other than MTU or ADVERT as the size in the first word; a size and a
    /// policy, or both policies, are reported.
    fn rx_bufs_policy(&mut self, x: &Setting) {
        let Some(first) = self.first(x) else {
            return;
        };
        let [mut mtu, mut advert, mut size] = self.globals.rx_bufs;
        for a in &x.args {
            if a.value.eq_ignore_ascii_case("MTU") {
                mtu = true;
            } else if a.value.eq_ignore_ascii_case("ADVERT") {
                advert = true;
            } else if self.ka_number(x, first, true, 0, U32).is_some() {
                size = true;
            } else {
                return;
            }
        }
        // keepalived then drops the policies, or ADVERT.
        self.globals.rx_bufs = [mtu && !size, advert && !size && !mtu, size];
        if size && (mtu || advert) || mtu && advert {
            self.bad_value(
                "K0185",
                x.keyword.span,
                "vrrp_rx_bufs_policy mixes policies".into(),
                if size {
                    "keepalived cannot set a size and a policy, and drops the policy"
                } else {
                    "keepalived cannot set both MTU and ADVERT, and drops ADVERT"
                },
                "write one of `MTU`, `ADVERT` or a size",
            );
        }
    }

    /// `startup_script|shutdown_script CMD [USER [GROUP]]`: the user and
    /// group must exist on this host; with script security already on and
    /// no `script_user` yet, keepalived looks up `keepalived_script`.
    fn start_stop_script(&mut self, x: &Setting) {
        let Some(cmd) = self.first(x) else {
            return;
        };
        let k = x.keyword.value.as_str();
        if x.args.len() > 1 {
            self.script_owner(
                x.args.get(1),
                x.args.get(2),
                "keepalived reports the script invalid",
            );
        } else if self.globals.security
            && !self.globals.user
            && !super::super::checks::user_exists("keepalived_script")
        {
            self.bad_value(
                "K0191",
                cmd.span,
                format!("{k} has no user and keepalived_script does not exist"),
                "keepalived reports the script invalid",
                "add `script_user USER` before it, give the script a user, or create keepalived_script",
            );
        }
        // keepalived silently drops a script it does not find.
        if super::super::checks::script_found(&cmd.value) {
            self.globals.first.get_or_insert(cmd.span);
        }
    }

    /// Notes `enable_script_security` and `script_user` for the scripts
    /// read after them.
    pub(super) fn note_script_global(&mut self, keyword: &str) {
        match keyword {
            "enable_script_security" => self.globals.security = true,
            "script_user" => self.globals.user = true,
            _ => {}
        }
    }

    /// After the whole configuration: a `startup_script` or
    /// `shutdown_script` without `enable_script_security` anywhere.
    pub(crate) fn finish_globals(&mut self) {
        if let Some(span) = self.globals.first
            && !self.globals.security
        {
            self.diags.push(
                Diagnostic::error(
                    "K0191",
                    "startup/shutdown scripts without enable_script_security",
                )
                .with_label(
                    span,
                    "keepalived refuses to run this as root (security violation)",
                )
                .with_help(
                    "add `enable_script_security` to global_defs (and `script_user` if needed)",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_keepalived_reads_them() {
        assert!(matches!(number("+1", true, 0, 9), Number::Ok(1)));
        assert!(matches!(number("019", false, -20, 19), Number::Ok(19)));
        assert!(matches!(number("-1", true, 0, 9), Number::Negative));
        assert!(matches!(number("-1", false, -1, 9), Number::Ok(-1)));
        assert!(matches!(number("0x1", false, 0, 9), Number::Invalid));
        assert!(matches!(number("1.5", false, 0, 9), Number::Invalid));
        assert!(matches!(number("", false, 0, 9), Number::Invalid));
        assert!(matches!(
            number("99999999999999999999", false, 0, 9),
            Number::Outside
        ));
        assert_eq!(seconds(".5"), Some(Ok(0.5)));
        assert_eq!(seconds("5."), Some(Ok(5.0)));
        assert_eq!(seconds("-1"), Some(Err(())));
        assert_eq!(seconds("1e3"), None);
        assert_eq!(seconds("inf"), None);
        assert_eq!(seconds("1.2.3"), None);
        assert!(cpus_online() >= 1);
    }
}
