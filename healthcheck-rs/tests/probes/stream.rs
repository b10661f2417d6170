//! TCP, SMTP, agent, tcp-check, protocol checks, datagram probes, programs
//! and files.

use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use healthcheck::spec::{
    AgentCheck, Connect, DnsCheck, FileCheck, MiscCheck, SmtpCheck, SmtpHello, TcpPattern, TcpRule,
    TcpSeq, Tls, UdpCheck,
};
use healthcheck::{Admin, FailKind, Probe, WeightChange};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::servers::{self, Seen};
use crate::{assert_fail, assert_pass, run, run_within};

fn tcp() -> Probe {
    Probe::Tcp(Connect::default())
}

#[tokio::test]
async fn tcp_connect_passes_and_refused_fails() {
    let up = servers::silent().await;
    assert_pass(&run(up, tcp()).await);
    let down = servers::closed_port().await;
    let detail = assert_fail(&run(down, tcp()).await, FailKind::Connect);
    assert!(detail.contains(&down.to_string()), "{detail}");
}

#[tokio::test]
async fn tcp_check_is_half_open_like_haproxy() {
    // SYN, SYN-ACK, RST: the server's application never sees the check.
    // The handshake's last ACK is only delayed (40 ms at least), so on a
    // loaded machine a check may now and then complete; most must not.
    let l = servers::listen().await;
    let addr = l.local_addr().unwrap();
    const CHECKS: usize = 20;
    for _ in 0..CHECKS {
        assert_pass(&run(addr, tcp()).await);
    }
    let mut accepted = 0;
    while accepted < CHECKS
        && tokio::time::timeout(Duration::from_millis(200), l.accept())
            .await
            .is_ok()
    {
        accepted += 1;
    }
    assert!(
        accepted < CHECKS / 2,
        "{accepted} of {CHECKS} checks reached accept()"
    );
    // Full connections (agent, HTTP, ...) are accepted as usual.
    let server = async {
        let (mut s, _) = l.accept().await.unwrap();
        s.write_all(b"up\n").await.unwrap();
    };
    let (o, ()) = tokio::join!(run(addr, Probe::Agent(AgentCheck::default())), server);
    assert_pass(&o);
}

#[tokio::test]
async fn tcp_connect_ipv6_loopback() {
    let Ok(l) = tokio::net::TcpListener::bind("[::1]:0").await else {
        assert!(
            !lbkit_testsupport::tier::required(),
            "no IPv6 loopback here"
        );
        eprintln!("skipping: no IPv6 loopback here");
        return;
    };
    assert_pass(&run(l.local_addr().unwrap(), tcp()).await);
}

#[tokio::test]
async fn tcp_connect_to_bindto_and_bind_port() {
    let l = servers::listen().await;
    let addr = l.local_addr().unwrap();
    let peers = Seen::default();
    let p2 = peers.clone();
    tokio::spawn(async move {
        for _ in 0..3 {
            let Ok((mut s, peer)) = l.accept().await else {
                return;
            };
            p2.push(peer.to_string().into_bytes());
            let _ = s.write_all(b"up\n").await;
        }
    });
    // The check's target is dead; connect_ip/port points elsewhere.
    let dead = servers::closed_port().await;
    let free_port = servers::closed_port().await.port();
    let c = Connect {
        to: Some(addr),
        bind_ip: Some(IpAddr::from([127, 0, 0, 2])),
        bind_port: Some(free_port),
        fwmark: None,
    };
    assert_pass(&run(dead, Probe::Tcp(c.clone())).await);
    // The plain check is half-open (never accepted): see the source with a
    // full connection.
    let agent = AgentCheck {
        connect: c,
        send: None,
    };
    assert_pass(&run(dead, Probe::Agent(agent)).await);
    // (A loaded machine may let the half-open check's delayed ACK go out:
    // then the server sees it too, from the same source.)
    let want = format!("127.0.0.2:{free_port}");
    let seen = peers.text();
    assert!(
        !seen.is_empty() && seen.iter().all(|p| *p == want),
        "{seen:?}"
    );
}

#[tokio::test]
async fn tcp_fwmark() {
    let up = servers::silent().await;
    let c = Connect {
        fwmark: Some(7),
        ..Connect::default()
    };
    let o = run(up, Probe::Tcp(c)).await;
    if nix::unistd::geteuid().is_root() {
        assert_pass(&o);
    } else {
        assert!(assert_fail(&o, FailKind::Setup).contains("SO_MARK"));
    }
}

#[tokio::test]
async fn smtp_helo_and_ehlo() {
    let (addr, seen) = servers::smtp("220 test.example ESMTP ready\r\n").await;
    for (hello, verb) in [(SmtpHello::Helo, "HELO"), (SmtpHello::Ehlo, "EHLO")] {
        let check = SmtpCheck {
            connect: Connect::default(),
            hello,
            name: "checker.example".into(),
        };
        assert_pass(&run(addr, Probe::Smtp(check)).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            seen.text().contains(&format!("{verb} checker.example\r\n")),
            "{:?}",
            seen.text()
        );
    }
    let (busy, _) = servers::smtp("554 no service\r\n").await;
    let check = SmtpCheck {
        connect: Connect::default(),
        hello: SmtpHello::Helo,
        name: "x".into(),
    };
    let d = assert_fail(
        &run(busy, Probe::Smtp(check.clone())).await,
        FailKind::Reply,
    );
    assert!(d.contains("554"), "{d}");
    let (garbage, _) = servers::canned(b"SSH-2.0-OpenSSH_9.2\r\n", false).await;
    assert_fail(&run(garbage, Probe::Smtp(check)).await, FailKind::Malformed);
}

#[tokio::test]
async fn agent_replies() {
    let cases: [(&'static [u8], bool); 5] = [
        (b"up 75%\n", true),
        (b"down # disk full\n", false),
        (b"drain\n", true),
        (b"maint,maxconn:12\n", true),
        (b"ready 100% maxconn:30", true),
    ];
    for (reply, pass) in cases {
        let (addr, _) = servers::canned(reply, false).await;
        let o = run(addr, Probe::Agent(AgentCheck::default())).await;
        assert_eq!(o.passed(), pass, "{reply:?}: {o}");
        match reply {
            b"up 75%\n" => assert_eq!(o.weight, Some(WeightChange::Percent(75))),
            b"drain\n" => assert_eq!(o.admin, Some(Admin::Drain)),
            b"maint,maxconn:12\n" => {
                assert_eq!((o.admin, o.maxconn), (Some(Admin::Maint), Some(12)));
            }
            b"down # disk full\n" => assert!(o.to_string().contains("disk full")),
            _ => {}
        }
    }
    let (addr, seen) = servers::canned(b"up\n", true).await;
    let check = AgentCheck {
        connect: Connect::default(),
        send: Some(b"hello agent\n".to_vec()),
    };
    assert_pass(&run(addr, Probe::Agent(check)).await);
    assert_eq!(seen.text(), vec!["hello agent\n"]);
    let (garbage, _) = servers::canned(b"HTTP/1.1 400 Bad Request\r\n\r\n", false).await;
    assert_fail(
        &run(garbage, Probe::Agent(AgentCheck::default())).await,
        FailKind::Malformed,
    );
}

/// A line server: `PING` -> `+PONG`, `INFO` -> `role:master`.
async fn redis_like() -> SocketAddr {
    servers::serve(|mut s| async move {
        let mut buf = [0u8; 1024];
        for _ in 0..8 {
            let Ok(n) = s.read(&mut buf).await else {
                return;
            };
            if n == 0 {
                return;
            }
            let reply: &[u8] = match &buf[..n] {
                b"PING\r\n" => b"+PONG\r\n",
                b"INFO\r\n" => b"$30\r\n# Replication\r\nrole:master\r\n",
                b"\x01\x02\x03" => b"\x04\x05\x06",
                _ => b"-ERR unknown command\r\n",
            };
            let _ = s.write_all(reply).await;
        }
    })
    .await
}

#[tokio::test]
async fn tcp_check_sequences() {
    let addr = redis_like().await;
    let expect = |pattern| TcpRule::Expect {
        negate: false,
        pattern,
    };
    let seq = TcpSeq {
        connect: Connect::default(),
        rules: vec![
            TcpRule::Send(b"PING\r\n".to_vec()),
            expect(TcpPattern::String("+PONG".into())),
            TcpRule::Send(b"INFO\r\n".to_vec()),
            expect(TcpPattern::Regex("role:(master|slave)".into())),
            TcpRule::Send(vec![1, 2, 3]),
            expect(TcpPattern::Binary(vec![4, 5, 6])),
        ],
    };
    assert_pass(&run(addr, Probe::TcpSeq(seq)).await);

    // An explicit connect to another port of the target's address.
    let dead = servers::closed_port().await;
    let seq = TcpSeq {
        connect: Connect::default(),
        rules: vec![
            TcpRule::Connect {
                port: Some(addr.port()),
                tls: None,
            },
            TcpRule::Send(b"PING\r\n".to_vec()),
            TcpRule::Expect {
                negate: true,
                pattern: TcpPattern::String("-ERR".into()),
            },
        ],
    };
    assert_pass(&run(dead, Probe::TcpSeq(seq)).await);

    let seq = TcpSeq {
        connect: Connect::default(),
        rules: vec![
            TcpRule::Send(b"BOGUS\r\n".to_vec()),
            TcpRule::Expect {
                negate: true,
                pattern: TcpPattern::String("-ERR".into()),
            },
        ],
    };
    let d = assert_fail(&run(addr, Probe::TcpSeq(seq)).await, FailKind::Reply);
    assert!(d.contains("step 2"), "{d}");

    // The server closes before the expected string comes.
    let (closing, _) = servers::canned(b"+OK\r\n", false).await;
    let seq = TcpSeq {
        connect: Connect::default(),
        rules: vec![expect(TcpPattern::String("+PONG".into()))],
    };
    let d = assert_fail(&run(closing, Probe::TcpSeq(seq)).await, FailKind::Reply);
    assert!(d.contains("closed"), "{d}");
}

#[tokio::test]
async fn tcp_check_with_tls_and_sni() {
    let pki = servers::pki();
    let (addr, sni) = servers::https(&pki, "ok").await;
    let seq = TcpSeq {
        connect: Connect::default(),
        rules: vec![
            TcpRule::Connect {
                port: None,
                tls: Some(Tls {
                    sni: Some("localhost".into()),
                    ..Tls::default()
                }),
            },
            TcpRule::Send(b"GET / HTTP/1.0\r\n\r\n".to_vec()),
            TcpRule::Expect {
                negate: false,
                pattern: TcpPattern::Regex("^HTTP/1\\.1 200".into()),
            },
        ],
    };
    assert_pass(&run(addr, Probe::TcpSeq(seq)).await);
    assert_eq!(sni.text(), vec!["localhost"]);
}

#[tokio::test]
async fn protocol_checks() {
    let addr = redis_like().await;
    assert_pass(&run(addr, Probe::Redis(Connect::default())).await);
    let (noauth, _) = servers::canned(b"-NOAUTH Authentication required.\r\n", true).await;
    assert_fail(
        &run(noauth, Probe::Redis(Connect::default())).await,
        FailKind::Reply,
    );

    let (pg, seen) = servers::canned(b"R\0\0\0\x08\0\0\0\x05", true).await;
    let probe = Probe::Pgsql {
        connect: Connect::default(),
        user: "haproxy".into(),
    };
    assert_pass(&run(pg, probe.clone()).await);
    assert!(seen.all()[0].ends_with(b"user\0haproxy\0\0"));
    let (pg_err, _) = servers::canned(b"E\0\0\0\x1cSFATAL\0Mno such role\0\0", true).await;
    let d = assert_fail(&run(pg_err, probe).await, FailKind::Reply);
    assert!(d.contains("no such role"), "{d}");

    // MySQL: handshake, then OK or an error to the login.
    let handshake: &[u8] = b"\x0d\0\0\0\x0a8.0.36\0\x01\0\0\0\0";
    let mysql = |login_reply: &'static [u8]| {
        servers::serve(move |mut s| async move {
            let _ = s.write_all(handshake).await;
            let mut buf = [0u8; 512];
            if matches!(s.read(&mut buf).await, Ok(n) if n > 4) {
                let _ = s.write_all(login_reply).await;
            }
        })
    };
    let ok = mysql(b"\x07\0\0\x02\0\0\0\x02\0\0\0").await;
    let denied = mysql(b"\x17\0\0\x02\xff\x15\x04#28000Access denied!").await;
    let probe = |user: Option<&str>| Probe::Mysql {
        connect: Connect::default(),
        user: user.map(Into::into),
    };
    assert_pass(&run(ok, probe(None)).await);
    assert_pass(&run(ok, probe(Some("haproxy"))).await);
    assert_pass(&run(denied, probe(None)).await);
    let d = assert_fail(&run(denied, probe(Some("haproxy"))).await, FailKind::Reply);
    assert!(d.contains("Access denied"), "{d}");

    // ssl-hello-chk: a real TLS server answers, an HTTP server does not.
    let pki = servers::pki();
    let (tls, _) = servers::https(&pki, "ok").await;
    assert_pass(&run(tls, Probe::SslHello(Connect::default())).await);
    let (plain, _) = servers::canned(b"HTTP/1.1 400 Bad Request\r\n\r\n", true).await;
    assert_fail(
        &run(plain, Probe::SslHello(Connect::default())).await,
        FailKind::Reply,
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let addr = servers::silent().await;
    for probe in [
        Probe::Redis(Connect::default()),
        Probe::Agent(AgentCheck::default()),
        Probe::Smtp(SmtpCheck {
            connect: Connect::default(),
            hello: SmtpHello::Helo,
            name: "x".into(),
        }),
    ] {
        let o = run_within(addr, probe, Duration::from_millis(300)).await;
        assert_fail(&o, FailKind::Timeout);
    }
}

#[tokio::test]
async fn garbage_replies_fail_cleanly() {
    let (addr, _) = servers::canned(b"\x00\xff\x13\x37garbage\r\n\r\n", false).await;
    for probe in [
        Probe::Redis(Connect::default()),
        Probe::Agent(AgentCheck::default()),
        Probe::SslHello(Connect::default()),
        Probe::Pgsql {
            connect: Connect::default(),
            user: "u".into(),
        },
        Probe::Mysql {
            connect: Connect::default(),
            user: None,
        },
    ] {
        let o = run(addr, probe.clone()).await;
        assert!(!o.passed(), "{probe:?} passed on garbage");
    }
}

#[tokio::test]
async fn dns_check() {
    let server = servers::dns().await;
    let check = |name: &str, qtype: &str| DnsCheck {
        qtype: qtype.into(),
        name: name.into(),
        to: None,
    };
    assert_pass(&run(server, Probe::Dns(check("www.example.test", "A"))).await);
    let d = assert_fail(
        &run(server, Probe::Dns(check("www.other.test", "A"))).await,
        FailKind::Reply,
    );
    assert!(
        d.contains("NXDomain") || d.contains("Non-Existent") || d.contains("NXDOMAIN"),
        "{d}"
    );
    assert_fail(
        &run(server, Probe::Dns(check("x", "NOPE"))).await,
        FailKind::Setup,
    );
    // A UDP echo server sends the query back: a query is not a response.
    let echo = servers::udp_echo().await;
    assert_fail(
        &run(echo, Probe::Dns(check("www.example.test", "A"))).await,
        FailKind::Reply,
    );
}

#[tokio::test]
async fn udp_check() {
    use healthcheck::reply::proto::keepalived_hex;
    let echo = servers::udp_echo().await;
    let check = |payload: &[u8], require_reply, expect: Option<&str>| {
        Probe::Udp(UdpCheck {
            payload: Some(payload.to_vec()),
            require_reply,
            expect: expect.map(|h| keepalived_hex(h).unwrap()),
            ..UdpCheck::default()
        })
    };
    // "pi" is 70 69; X matches any digit.
    assert_pass(&run(echo, check(b"ping", true, Some("70 6X"))).await);
    assert_fail(
        &run(echo, check(b"ping", true, Some("71"))).await,
        FailKind::Reply,
    );
    assert_pass(&run(echo, check(b"ping", false, None)).await);
    // Length limits.
    let long = Probe::Udp(UdpCheck {
        payload: Some(vec![7; 300]),
        require_reply: true,
        ..UdpCheck::default()
    });
    assert_fail(&run(echo, long).await, FailKind::Reply);
    // Without a payload, random bytes go out and come back.
    let random = Probe::Udp(UdpCheck {
        require_reply: true,
        min_reply_len: 16,
        max_reply_len: 16,
        ..UdpCheck::default()
    });
    assert_pass(&run(echo, random).await);
    // Nothing listens: the kernel's ICMP port unreachable fails the check.
    let closed = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    assert_fail(
        &run(closed, check(b"ping", false, None)).await,
        FailKind::Connect,
    );
    assert_fail(
        &run(closed, check(b"ping", true, None)).await,
        FailKind::Connect,
    );
}

#[tokio::test]
async fn ping_check() {
    let v4: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let o = run(v4, Probe::Ping).await;
    if nix::unistd::geteuid().is_root() {
        assert_pass(&o);
        let v6: SocketAddr = "[::1]:0".parse().unwrap();
        assert_pass(&run(v6, Probe::Ping).await);
    } else if !o.passed() {
        assert_fail(&o, FailKind::Setup);
    }
}

fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

fn misc(argv: Vec<String>, dynamic: bool, user: Option<&str>) -> Probe {
    Probe::Misc(MiscCheck {
        argv,
        user: user.map(Into::into),
        group: None,
        dynamic,
    })
}

#[tokio::test]
async fn misc_check_exit_codes_and_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let any: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let exit = script(dir.path(), "exit.sh", "exit \"$1\"");
    let argv = |code: &str| vec![exit.clone(), code.to_owned()];
    assert_pass(&run(any, misc(argv("0"), false, None)).await);
    assert_fail(
        &run(any, misc(argv("1"), false, None)).await,
        FailKind::Exit,
    );
    assert_fail(
        &run(any, misc(argv("12"), false, None)).await,
        FailKind::Exit,
    );
    let o = run(any, misc(argv("12"), true, None)).await;
    assert_pass(&o);
    assert_eq!(o.weight, Some(WeightChange::Absolute(10)));
    // No shell: metacharacters are plain arguments.
    let echo = script(dir.path(), "args.sh", "[ \"$1\" = '$(false); exit 1' ]");
    assert_pass(
        &run(
            any,
            misc(vec![echo, "$(false); exit 1".into()], false, None),
        )
        .await,
    );
    let missing = dir.path().join("missing").to_string_lossy().into_owned();
    assert!(!run(any, misc(vec![missing], false, None)).await.passed());
    assert_fail(&run(any, misc(vec![], false, None)).await, FailKind::Setup);
}

#[tokio::test]
async fn misc_check_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let slow = script(
        dir.path(),
        "slow.sh",
        &format!("sleep 30 &\necho $$ $! > {}\nwait", pids.display()),
    );
    let any: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let o = run_within(
        any,
        misc(vec![slow], false, None),
        Duration::from_millis(1500),
    )
    .await;
    assert_fail(&o, FailKind::Timeout);
    let text = std::fs::read_to_string(&pids).unwrap();
    // Reaping is asynchronous for the grandchild (reparented to init or to
    // a subreaper): wait for both to vanish, bounded.
    for pid in text.split_whitespace() {
        let proc_dir = format!("/proc/{pid}");
        let mut gone = false;
        for _ in 0..100 {
            let state = std::fs::read_to_string(format!("{proc_dir}/stat")).unwrap_or_default();
            // Gone, or a zombie waiting for a reaper that is not us.
            if state.is_empty() || state.split_whitespace().nth(2) == Some("Z") {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(gone, "process {pid} survived its probe");
    }
}

#[tokio::test]
async fn misc_check_runs_as_user() {
    if !nix::unistd::geteuid().is_root() {
        assert!(
            !lbkit_testsupport::tier::required(),
            "misc_check_runs_as_user needs root"
        );
        eprintln!("skipping misc_check_runs_as_user: needs root to switch users");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let whoami = script(dir.path(), "uid.sh", "[ \"$(id -u)\" = 65534 ]");
    let any: SocketAddr = "127.0.0.1:1".parse().unwrap();
    assert_pass(&run(any, misc(vec![whoami.clone()], false, Some("nobody"))).await);
    assert_fail(
        &run(any, misc(vec![whoami.clone()], false, None)).await,
        FailKind::Exit,
    );
    let d = assert_fail(
        &run(any, misc(vec![whoami], false, Some("no-such-user-lbkit"))).await,
        FailKind::Setup,
    );
    assert!(d.contains("no-such-user-lbkit"), "{d}");
    // `user USERNAME GROUPNAME`.
    let group = script(
        dir.path(),
        "gid.sh",
        "[ \"$(id -g)\" = 0 ] && [ \"$(id -u)\" = 65534 ]",
    );
    let with_group = |g: &str| {
        Probe::Misc(MiscCheck {
            argv: vec![group.clone()],
            user: Some("nobody".into()),
            group: Some(g.into()),
            dynamic: false,
        })
    };
    assert_pass(&run(any, with_group("root")).await);
    assert_fail(
        &run(any, with_group("no-such-group-lbkit")).await,
        FailKind::Setup,
    );
}

#[tokio::test]
async fn file_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state");
    let any: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let check = |weight, reverse| {
        Probe::File(FileCheck {
            path: path.clone(),
            weight,
            reverse,
        })
    };
    assert_fail(&run(any, check(0, false)).await, FailKind::Io);
    std::fs::write(&path, "0\n").unwrap();
    assert_pass(&run(any, check(0, false)).await);
    std::fs::write(&path, "3\n").unwrap();
    assert_fail(&run(any, check(0, false)).await, FailKind::Down);
    let o = run(any, check(10, true)).await;
    assert_eq!(o.weight, Some(WeightChange::Delta(-30)));
    std::fs::write(&path, "garbage").unwrap();
    assert_fail(&run(any, check(10, false)).await, FailKind::Malformed);
    // An endless file is read only as far as a number can go.
    let endless = Probe::File(FileCheck {
        path: "/dev/zero".into(),
        weight: 0,
        reverse: false,
    });
    assert_fail(&run(any, endless).await, FailKind::Malformed);
}

#[test]
fn fwmark_is_applied_to_the_probe_socket() {
    use lbkit_testsupport::{netns::Netns, tier};
    if !tier::namespace("fwmark_is_applied_to_the_probe_socket") {
        return;
    }
    // In a namespace of our own, traffic marked 7 meets an `unreachable`
    // policy rule placed before the local table: a marked probe fails at
    // once, an unmarked one (or another mark) reaches the loopback listener.
    let ns = Netns::new("hcmark").unwrap();
    ns.ip(&["rule", "add", "pref", "10", "fwmark", "7", "unreachable"])
        .unwrap();
    ns.ip(&["rule", "add", "pref", "100", "lookup", "local"])
        .unwrap();
    ns.ip(&["rule", "del", "pref", "0"]).unwrap();
    let outcomes = ns
        .enter(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let up = servers::silent().await;
                let mut out = Vec::new();
                for mark in [None, Some(7), Some(8)] {
                    let c = Connect {
                        fwmark: mark,
                        ..Connect::default()
                    };
                    out.push(run(up, Probe::Tcp(c)).await);
                }
                out
            })
        })
        .unwrap();
    assert_pass(&outcomes[0]);
    assert_fail(&outcomes[1], FailKind::Connect);
    assert_pass(&outcomes[2]);
}

#[test]
fn ping_and_tcp_across_a_veth_link() {
    use lbkit_testsupport::netns::{Netns, veth};
    use lbkit_testsupport::tier;
    if !tier::namespace("ping_and_tcp_across_a_veth_link") {
        return;
    }
    let director = Netns::new("hcdir").unwrap();
    let server = Netns::new("hcrs").unwrap();
    veth(&director, "eth0", &server, "eth0").unwrap();
    director.add_addr("eth0", "198.18.0.1/24").unwrap();
    server.add_addr("eth0", "198.18.0.2/24").unwrap();
    let listener = server
        .enter(|| std::net::TcpListener::bind("198.18.0.2:0"))
        .unwrap()
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let outcomes = director
        .enter(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let at = |ip: &str, port: u16| SocketAddr::new(ip.parse().unwrap(), port);
                vec![
                    run(at("198.18.0.2", 0), Probe::Ping).await,
                    run(at("198.18.0.2", port), tcp()).await,
                    // Nobody has .3: no ARP answer, no echo reply.
                    run_within(at("198.18.0.3", 0), Probe::Ping, Duration::from_millis(500)).await,
                    // No route at all.
                    run(at("198.19.0.1", 0), Probe::Ping).await,
                ]
            })
        })
        .unwrap();
    assert_pass(&outcomes[0]);
    assert_pass(&outcomes[1]);
    assert!(!outcomes[2].passed(), "{}", outcomes[2]);
    assert_fail(&outcomes[3], FailKind::Connect);
    drop(listener);
}

#[test]
fn ping_through_an_unprivileged_icmp_socket() {
    use lbkit_testsupport::netns::Netns;
    use lbkit_testsupport::tier;
    if !tier::namespace("ping_through_an_unprivileged_icmp_socket") {
        return;
    }
    // Where ping sockets are allowed for our group the probe uses one (the
    // kernel rewrites the echo identifier); elsewhere it falls back to a raw
    // socket, which the loopback test above covers on a default host.
    let ns = Netns::new("hcping").unwrap();
    let gid = nix::unistd::getegid().as_raw().to_string();
    ns.sysctl("net/ipv4/ping_group_range", &format!("{gid} {gid}"))
        .unwrap();
    let outcomes = ns
        .enter(|| {
            // The ping socket really is available to us here.
            let dgram = socket2::Socket::new(
                socket2::Domain::IPV4,
                socket2::Type::DGRAM,
                Some(socket2::Protocol::ICMPV4),
            );
            assert!(dgram.is_ok(), "{dgram:?}");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                vec![
                    run("127.0.0.1:0".parse().unwrap(), Probe::Ping).await,
                    run("[::1]:0".parse().unwrap(), Probe::Ping).await,
                ]
            })
        })
        .unwrap();
    assert_pass(&outcomes[0]);
    assert_pass(&outcomes[1]);
}

#[tokio::test]
async fn stream_checks_share_kept_sockets() {
    use std::time::Instant;

    use healthcheck::CheckSpec;
    use healthcheck::probe::Prober;

    // A banner protocol (the server speaks first) and a request protocol
    // (the check does), each a new connection per check, on one socket.
    let (smtp, _) = servers::smtp("220 test.example ESMTP ready\r\n").await;
    let redis = redis_like().await;
    let prober = Prober::new();
    let smtp = CheckSpec::new(
        smtp,
        Probe::Smtp(SmtpCheck {
            connect: Connect::default(),
            hello: SmtpHello::Helo,
            name: "checker.example".into(),
        }),
    );
    let redis = CheckSpec::new(redis, Probe::Redis(Connect::default()));
    for _ in 0..3 {
        for spec in [&smtp, &redis] {
            let o = prober
                .probe(spec, Instant::now() + Duration::from_secs(2))
                .await;
            assert_pass(&o);
        }
    }
    assert_eq!(prober.free_sockets(), 1);
}
