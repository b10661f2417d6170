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

/// Options in order (tag and argument), leftover arguments, and popt's error
/// (reported after the options before it are processed). Arguments borrow
/// from the command line: `-R` parses tens of thousands of lines.
pub(super) type Tokens<'a> = (
    Vec<(&'static str, Option<&'a str>)>,
    Vec<&'a str>,
    Option<Exit>,
);

fn long(name: &str) -> Option<(Arg, &'static str)> {
    TABLE.iter().find(|e| e.0 == name).map(|e| (e.2, e.3))
}

fn short(c: u8) -> Option<(Arg, &'static str)> {
    TABLE
        .iter()
        .find(|e| e.1 == Some(c as char))
        .map(|e| (e.2, e.3))
}

/// Splits argv the way popt does: options (with their arguments) in order,
/// and leftover arguments.
pub(super) fn tokenize<S: AsRef<str>>(args: &[S]) -> Tokens<'_> {
    let mut opts = Vec::with_capacity(args.len());
    let mut rest = Vec::new();
    let mut error = None;
    let bad = |o: &str, why: &str| Exit {
        msg: format!("{o}: {why}"),
        code: 255,
    };
    let mut i = 0;
    'args: while i < args.len() {
        let a = args[i].as_ref();
        i += 1;
        if a == "--" {
            rest.extend(args[i..].iter().map(AsRef::as_ref));
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let Some((kind, tag)) = long(name) else {
                error = Some(bad(a, "unknown option"));
                break;
            };
            let val = match (kind, inline) {
                (Arg::None, _) => None,
                (_, Some(v)) => Some(v),
                (Arg::Required, None) => {
                    let Some(v) = args.get(i) else {
                        error = Some(bad(a, "missing argument"));
                        break;
                    };
                    i += 1;
                    Some(v.as_ref())
                }
                (Arg::Optional, None) => match args.get(i).map(AsRef::as_ref) {
                    Some(v) if !v.starts_with('-') => {
                        i += 1;
                        Some(v)
                    }
                    _ => None,
                },
            };
            opts.push((tag, val));
        } else if a.len() > 1 && a.starts_with('-') {
            let b = a.as_bytes();
            let mut j = 1;
            while j < b.len() {
                let c = b[j];
                j += 1;
                let Some((kind, tag)) = short(c).filter(|_| c.is_ascii()) else {
                    let shown: String = a[j - 1..]
                        .chars()
                        .next()
                        .map(String::from)
                        .unwrap_or_default();
                    error = Some(bad(&format!("-{shown}"), "unknown option"));
                    break 'args;
                };
                let attached = &a[j..];
                let val = match kind {
                    Arg::None => None,
                    _ if !attached.is_empty() => {
                        j = b.len();
                        Some(attached)
                    }
                    Arg::Required => {
                        let Some(v) = args.get(i) else {
                            error = Some(bad(&format!("-{}", c as char), "missing argument"));
                            break 'args;
                        };
                        i += 1;
                        Some(v.as_ref())
                    }
                    Arg::Optional => match args.get(i).map(AsRef::as_ref) {
                        Some(v) if !v.starts_with('-') => {
                            i += 1;
                            Some(v)
                        }
                        _ => None,
                    },
                };
                opts.push((tag, val));
            }
        } else {
            rest.push(a);
        }
    }
    (opts, rest, error)
}
