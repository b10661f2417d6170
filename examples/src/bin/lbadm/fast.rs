//! `-R`'s two common lines, `-A -t ADDR:PORT -s SCHED` and
//! `-a -t ADDR:PORT -r ADDR:PORT -m -w N`, as `ipvsadm -S -n` writes them,
//! read without the general command-line parser.
//!
//! A restore of a large table is mostly these two shapes, and the general
//! parser (popt's rules, option tables, name resolution) costs about as much
//! as the kernel's work in the test VM. This path accepts only the plain
//! numeric spellings of those lines and gives up (`None`) on anything else,
//! which then takes the general path; a property test checks that every line
//! it accepts becomes exactly the operation the general parser makes.

use std::net::{IpAddr, Ipv4Addr};

use ipvs::{Destination, Forwarding, Op, Protocol, Service, ServiceKey};

/// The operation for one `-R` line split into words, when the line has one
/// of the two common shapes in plain numeric form.
pub(crate) fn restore_op(args: &[&str]) -> Option<Op> {
    match *args {
        ["-A", proto, svc, "-s", sched] => {
            let key = service_key(proto, svc)?;
            Some(Op::AddService(Service::new(key, scheduler(sched)?)))
        }
        ["-a", proto, svc, "-r", dest, fwd, "-w", weight] => {
            let key = service_key(proto, svc)?;
            let ServiceKey::Addr { port: svc_port, .. } = key else {
                return None;
            };
            let (addr, port) = addr_port(dest)?;
            let forwarding = match fwd {
                "-m" => Forwarding::MASQ,
                "-g" => Forwarding::ROUTE,
                "-i" => Forwarding::TUNNEL,
                _ => return None,
            };
            // ipvsadm gives direct-routing and tunnelled servers the
            // service's port.
            let port = if forwarding == Forwarding::MASQ {
                port
            } else {
                svc_port
            };
            let weight = decimal(weight, 65_535)?;
            let d = Destination::new(IpAddr::V4(addr), port, forwarding, weight);
            Some(Op::AddDest(key, d))
        }
        _ => None,
    }
}

fn service_key(proto: &str, svc: &str) -> Option<ServiceKey> {
    let protocol = match proto {
        "-t" => Protocol::TCP,
        "-u" => Protocol::UDP,
        _ => return None,
    };
    let (addr, port) = addr_port(svc)?;
    Some(ServiceKey::Addr {
        protocol,
        addr: IpAddr::V4(addr),
        port,
    })
}

/// The schedulers ipvsadm knows by name; others take the general path.
fn scheduler(name: &str) -> Option<&str> {
    const KNOWN: [&str; 14] = [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf",
        "twos",
    ];
    KNOWN.contains(&name).then_some(name)
}

/// `a.b.c.d:port` with four plain decimal octets and a port from 1.
fn addr_port(s: &str) -> Option<(Ipv4Addr, u16)> {
    let (host, port) = s.split_once(':')?;
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for o in &mut octets {
        *o = u8::try_from(decimal(parts.next()?, 255)?).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    let port = u16::try_from(decimal(port, 65_535)?).ok()?;
    (port != 0).then_some((Ipv4Addr::from(octets), port))
}

/// A decimal number up to `max` written without sign, blanks or leading
/// zeros (inet_aton reads a leading zero as octal: the general path decides).
fn decimal(s: &str, max: u32) -> Option<u32> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 5 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    (v <= max).then_some(v)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The general path: what `-R` does with a line the fast path declines.
    fn general(args: &[&str]) -> Option<Op> {
        crate::cli::parse("ipvsadm", args)
            .ok()
            .and_then(|c| crate::as_op(&c))
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            (0u32..300).prop_map(|n| n.to_string()),
            (0u32..70_000).prop_map(|n| n.to_string()),
            Just("0".to_string()),
            Just("00".to_string()),
            Just("010".to_string()),
            Just("65535".to_string()),
            Just("65536".to_string()),
            Just("4294967296".to_string()),
            Just("-1".to_string()),
            Just("+8".to_string()),
            Just("0x10".to_string()),
            Just(String::new()),
        ]
    }

    fn addr() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (number(), number(), number(), number(), number())
                .prop_map(|(a, b, c, d, p)| format!("{a}.{b}.{c}.{d}:{p}")),
            1 => (number(), number()).prop_map(|(a, p)| format!("{a}:{p}")),
            1 => (number(), number(), number()).prop_map(|(a, b, p)| format!("198.{a}.{b}:{p}")),
            1 => (number(), number()).prop_map(|(a, p)| format!("198.18.0.{a}.1:{p}")),
            1 => number().prop_map(|p| format!("[fd00::1]:{p}")),
            1 => number().prop_map(|a| format!("198.18.0.{a}")),
            1 => Just("localhost:80".to_string()),
            1 => Just("198.18.0.1:http".to_string()),
        ]
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("-t"),
            Just("-u"),
            Just("-f"),
            Just("--sctp-service"),
            Just("-m"),
            Just("-g"),
            Just("-i"),
            Just("-x"),
            Just("-w"),
            Just("-s"),
            Just("-r"),
            Just("wlc"),
            Just("rr"),
            Just("mh"),
            Just("twos"),
            Just("foo"),
            Just("WLC"),
            Just("-p"),
            Just("-A"),
            Just("-a"),
        ]
        .prop_map(str::to_string)
    }

    fn line() -> impl Strategy<Value = Vec<String>> {
        let proto = prop_oneof![Just("-t"), Just("-u"), Just("-f"), Just("--tcp-service")];
        let sched = prop_oneof![
            Just("wlc"),
            Just("rr"),
            Just("sh"),
            Just("twos"),
            Just("bogus"),
            Just("")
        ];
        let fwd = prop_oneof![
            Just("-m"),
            Just("-g"),
            Just("-i"),
            Just("-x"),
            Just("--masquerading")
        ];
        prop_oneof![
            (proto.clone(), addr(), sched)
                .prop_map(|(p, a, s)| { vec!["-A".into(), p.into(), a, "-s".into(), s.into()] }),
            (proto, addr(), addr(), fwd, number()).prop_map(|(p, a, d, f, w)| {
                vec![
                    "-a".into(),
                    p.into(),
                    a,
                    "-r".into(),
                    d,
                    f.into(),
                    "-w".into(),
                    w,
                ]
            }),
            prop::collection::vec(prop_oneof![word(), addr(), number()], 0..9),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn accepted_lines_become_what_the_general_parser_makes(words in line()) {
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            if let Some(op) = restore_op(&args) {
                prop_assert_eq!(Some(op), general(&args), "line {:?}", args);
            }
        }
    }

    #[test]
    fn the_lines_ipvsadm_saves_take_the_fast_path() {
        for line in [
            "-A -t 198.18.0.1:80 -s wlc",
            "-A -u 198.18.3.250:53 -s rr",
            "-a -t 198.18.0.1:80 -r 198.19.0.1:8001 -m -w 1",
            "-a -t 198.18.0.1:80 -r 198.19.0.2:80 -g -w 0",
            "-a -u 198.18.0.1:53 -r 198.19.0.3:53 -i -w 65535",
        ] {
            let args: Vec<&str> = line.split_ascii_whitespace().collect();
            let op = restore_op(&args);
            assert!(op.is_some(), "{line}");
            assert_eq!(op, general(&args), "{line}");
        }
    }

    #[test]
    fn anything_unusual_takes_the_general_path() {
        for line in [
            "-A -t 198.18.0.1:80 -s wlc -p",
            "-A -t 198.18.0.1:0 -s wlc",
            "-A -t 198.18.0.010:80 -s wlc",
            "-A -t 198.18.1:80 -s wlc",
            "-A -t localhost:80 -s wlc",
            "-A -t 198.18.0.1:http -s wlc",
            "-A -t [fd00::1]:80 -s wlc",
            "-A -f 1 -s wlc",
            "-A -t 198.18.0.1:80 -s my-own",
            "-a -t 198.18.0.1:80 -r 198.19.0.1:8001 -m -w 65536",
            "-a -t 198.18.0.1:80 -r 198.19.0.1:8001 -m -w 01",
            "-a -t 198.18.0.1:80 -r 198.19.0.1:8001 -m -w 1 -x 5",
        ] {
            let args: Vec<&str> = line.split_ascii_whitespace().collect();
            assert_eq!(restore_op(&args), None, "{line}");
        }
    }
}
