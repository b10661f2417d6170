//! popt's way of splitting a command line: clustered short options,
//! attached or separate arguments, optional arguments, long options with `=`,
//! leftovers collected wherever they appear.

use super::Exit;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// (long name, short char, argument, tag)
const TABLE: &[(&str, Option<char>, Arg, &str)] = &[
    ("add-service", Some('A'), Arg::None, "A"),
    ("edit-service", Some('E'), Arg::None, "E"),
    ("delete-service", Some('D'), Arg::None, "D"),
    ("clear", Some('C'), Arg::None, "C"),
    ("list", Some('L'), Arg::None, "L"),
    ("list", Some('l'), Arg::None, "L"),
    ("zero", Some('Z'), Arg::None, "Z"),
    ("add-server", Some('a'), Arg::None, "a"),
    ("edit-server", Some('e'), Arg::None, "e"),
    ("delete-server", Some('d'), Arg::None, "d"),
    ("set", None, Arg::None, "set"),
    ("help", Some('h'), Arg::None, "h"),
    ("version", Some('v'), Arg::None, "v"),
    ("restore", Some('R'), Arg::None, "R"),
    ("save", Some('S'), Arg::None, "S"),
    ("start-daemon", None, Arg::Required, "start-daemon"),
    ("stop-daemon", None, Arg::Required, "stop-daemon"),
    ("tcp-service", Some('t'), Arg::Required, "t"),
    ("udp-service", Some('u'), Arg::Required, "u"),
    ("sctp-service", None, Arg::Required, "sctp"),
    ("fwmark-service", Some('f'), Arg::Required, "f"),
    ("scheduler", Some('s'), Arg::Required, "s"),
    ("persistent", Some('p'), Arg::Optional, "p"),
    ("netmask", Some('M'), Arg::Required, "M"),
    ("real-server", Some('r'), Arg::Required, "r"),
    ("masquerading", Some('m'), Arg::None, "m"),
    ("ipip", Some('i'), Arg::None, "i"),
    ("gatewaying", Some('g'), Arg::None, "g"),
    ("weight", Some('w'), Arg::Required, "w"),
    ("u-threshold", Some('x'), Arg::Required, "x"),
    ("l-threshold", Some('y'), Arg::Required, "y"),
    ("numeric", Some('n'), Arg::None, "n"),
    ("connection", Some('c'), Arg::None, "c"),
    ("mcast-interface", None, Arg::Required, "mcast-interface"),
    ("syncid", None, Arg::Required, "syncid"),
    ("timeout", None, Arg::None, "timeout"),
    ("daemon", None, Arg::None, "daemon"),
    ("stats", None, Arg::None, "stats"),
    ("rate", None, Arg::None, "rate"),
    ("thresholds", None, Arg::None, "thresholds"),
    ("persistent-conn", None, Arg::None, "persistent-conn"),
    ("nosort", None, Arg::None, "nosort"),
    ("sort", None, Arg::None, "sort"),
    ("exact", Some('X'), Arg::None, "X"),
    ("ipv6", Some('6'), Arg::None, "6"),
    ("ops", Some('o'), Arg::None, "o"),
    ("pe", None, Arg::Required, "pe"),
    ("sched-flags", Some('b'), Arg::Required, "b"),
    ("mcast-group", None, Arg::Required, "mcast-group"),
    ("mcast-port", None, Arg::Required, "mcast-port"),
    ("mcast-ttl", None, Arg::Required, "mcast-ttl"),
    ("sync-maxlen", None, Arg::Required, "sync-maxlen"),
    ("tun-info", None, Arg::None, "tun-info"),
    ("tun-type", None, Arg::Required, "tun-type"),
    ("tun-port", None, Arg::Required, "tun-port"),
    ("tun-nocsum", None, Arg::None, "tun-nocsum"),
    ("tun-csum", None, Arg::None, "tun-csum"),
    ("tun-remcsum", None, Arg::None, "tun-remcsum"),
];

/// Splits argv the way popt does: options (with their arguments) in order,
/// and leftover arguments.
/// Options in order (tag and argument), leftover arguments, and popt's error
/// (reported after the options before it are processed).
pub(super) type Tokens = (
    Vec<(&'static str, Option<String>)>,
    Vec<String>,
    Option<Exit>,
);

pub(super) fn tokenize(args: &[String]) -> Tokens {
    let mut opts = Vec::new();
    let mut rest = Vec::new();
    let mut error = None;
    let mut i = 0;
    let bad = |o: &str, why: &str| Exit {
        msg: format!("{o}: {why}"),
        code: 255,
    };
    'args: while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            rest.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(&(_, _, kind, tag)) = TABLE.iter().find(|e| e.0 == name) else {
                error = Some(bad(a, "unknown option"));
                break;
            };
            let val = match (kind, inline) {
                (Arg::None, _) => None,
                (_, Some(v)) => Some(v),
                (Arg::Required, None) => {
                    let Some(v) = args.get(i).cloned() else {
                        error = Some(bad(a, "missing argument"));
                        break;
                    };
                    i += 1;
                    Some(v)
                }
                (Arg::Optional, None) => match args.get(i) {
                    Some(v) if !v.starts_with('-') => {
                        i += 1;
                        Some(v.clone())
                    }
                    _ => None,
                },
            };
            opts.push((tag, val));
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(&(_, _, kind, tag)) = TABLE.iter().find(|e| e.1 == Some(c)) else {
                    error = Some(bad(&format!("-{c}"), "unknown option"));
                    break 'args;
                };
                let attached: String = chars[j..].iter().collect();
                let val = match kind {
                    Arg::None => None,
                    _ if !attached.is_empty() => {
                        j = chars.len();
                        Some(attached)
                    }
                    Arg::Required => {
                        let Some(v) = args.get(i).cloned() else {
                            error = Some(bad(&format!("-{c}"), "missing argument"));
                            break 'args;
                        };
                        i += 1;
                        Some(v)
                    }
                    Arg::Optional => match args.get(i) {
                        Some(v) if !v.starts_with('-') => {
                            i += 1;
                            Some(v.clone())
                        }
                        _ => None,
                    },
                };
                opts.push((tag, val));
            }
        } else {
            rest.push(a.clone());
        }
    }
    (opts, rest, error)
}
