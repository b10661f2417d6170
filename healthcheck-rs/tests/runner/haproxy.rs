//! One check against a real HAProxy (Debian's `haproxy` package, which
//! `cargo xtask deps` installs): HAProxy serves HTTP on loopback and our
//! probes judge it.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use healthcheck::reply::http::md5_hex;
use healthcheck::runner::Runner;
use healthcheck::spec::{Connect, HttpCheck, HttpExpect, HttpRequest, HttpRule, HttpVersion};
use healthcheck::{CheckSpec, Event, Health, InitialState, Probe, SchedulerConfig, Timing};

fn haproxy_binary() -> Option<&'static str> {
    ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

#[tokio::test]
async fn http_checks_against_real_haproxy() {
    let Some(bin) = haproxy_binary() else {
        let msg = "haproxy is not installed (apt-get install haproxy, or `cargo xtask deps`)";
        if lbkit_testsupport::tier::required() {
            panic!("http_checks_against_real_haproxy must run: {msg}");
        }
        eprintln!("skipping http_checks_against_real_haproxy: {msg}");
        return;
    };
    // HAProxy binds a fixed port below the ephemeral range: a port picked by
    // binding :0 could be taken by another test's listener before HAProxy binds
    // it, and the checks would then judge that listener instead. A port that is
    // busy makes HAProxy exit at start; the next one is tried (bounded).
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("haproxy.cfg");
    let first = 20_000 + (std::process::id() % 5_000) as u16 * 2;
    let mut started = None;
    for port in first..first + 20 {
        std::fs::write(
            &cfg,
            format!(
                "global\n    maxconn 200\n\
                 defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\
                 frontend web\n    bind 127.0.0.1:{port}\n\
                 \x20   http-request return status 200 content-type text/plain string \"haproxy ok\" if {{ path /health }}\n\
                 \x20   http-request return status 503 content-type text/plain string \"draining\" if {{ path /drain }}\n\
                 \x20   http-request deny deny_status 404\n"
            ),
        )
        .unwrap();
        let mut child = tokio::process::Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        // Wait (bounded) for HAProxy to listen, or to exit (port busy).
        let end = Instant::now() + Duration::from_secs(10);
        let mut exited = false;
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(
                Instant::now() < end,
                "haproxy did not start listening on {addr}"
            );
            if let Ok(Some(_)) = child.try_wait() {
                exited = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Still running after the first connection: it is HAProxy that listens.
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !exited && matches!(child.try_wait(), Ok(None)) {
            started = Some((child, addr));
            break;
        }
    }
    let (mut child, addr) = started.expect("haproxy could not bind any of 20 ports");

    // Generous timeout and fall 2: on a loaded machine one slow probe must not flap a check.
    let timing = Timing {
        interval: Duration::from_millis(200),
        timeout: Duration::from_secs(3),
        rise: 2,
        fall: 2,
        initial: InitialState::FullyDown,
        ..Timing::default()
    };
    let healthy = HttpCheck {
        version: HttpVersion::Http11,
        host: Some("app.example.test".into()),
        requests: vec![HttpRequest {
            expect: vec![
                HttpExpect::is(HttpRule::Status(vec![(200, 200)])),
                HttpExpect::is(HttpRule::BodyMd5(md5_hex(b"haproxy ok"))),
                HttpExpect::is(HttpRule::Header {
                    name: "content-type".into(),
                    value: Some("text/plain".into()),
                }),
            ],
            ..HttpRequest::get("/health")
        }],
        ..HttpCheck::default()
    };
    let draining = HttpCheck {
        requests: vec![HttpRequest::get("/drain")],
        ..HttpCheck::default()
    };
    let mut r = Runner::new(SchedulerConfig::default()).unwrap();
    let up = r
        .subscribe(CheckSpec::new(addr, Probe::Http(healthy)).with_timing(timing.clone()))
        .unwrap();
    let tcp = r
        .subscribe(CheckSpec::new(addr, Probe::Tcp(Connect::default())).with_timing(timing.clone()))
        .unwrap();
    let down = r
        .subscribe(
            CheckSpec::new(addr, Probe::Http(draining)).with_timing(Timing {
                initial: InitialState::FullyUp,
                ..timing
            }),
        )
        .unwrap();
    // Wait (bounded) until every subscription has reached its expected state,
    // keeping the history to show if it does not.
    let mut history = Vec::new();
    let mut state = std::collections::HashMap::new();
    let mut last_down_outcome = String::new();
    let expected = [
        (up.sub, Health::Up),
        (tcp.sub, Health::Up),
        (down.sub, Health::Down),
    ];
    let end = Instant::now() + Duration::from_secs(20);
    while !expected.iter().all(|(s, h)| state.get(s) == Some(h)) && Instant::now() < end {
        let Ok(e) = tokio::time::timeout(Duration::from_secs(5), r.next_event()).await else {
            continue;
        };
        if let Event::Transition {
            sub, to, outcome, ..
        } = e
        {
            if sub == down.sub {
                last_down_outcome = outcome.to_string();
            }
            history.push((sub, to, outcome.to_string()));
            state.insert(sub, to);
        }
    }
    for (sub, health) in expected {
        assert_eq!(
            state.get(&sub),
            Some(&health),
            "{sub:?}; history: {history:?}"
        );
    }
    assert!(last_down_outcome.contains("503"), "{last_down_outcome}");

    // Stop HAProxy: the healthy checks go down with a connect failure.
    child.kill().await.unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while [up.sub, tcp.sub]
        .iter()
        .any(|s| state.get(s) != Some(&Health::Down))
        && Instant::now() < end
    {
        if let Ok(Event::Transition {
            sub, to, outcome, ..
        }) = tokio::time::timeout(Duration::from_secs(5), r.next_event()).await
        {
            history.push((sub, to, outcome.to_string()));
            state.insert(sub, to);
        }
    }
    for sub in [up.sub, tcp.sub] {
        assert_eq!(
            state.get(&sub),
            Some(&Health::Down),
            "{sub:?}; history: {history:?}"
        );
    }
}
