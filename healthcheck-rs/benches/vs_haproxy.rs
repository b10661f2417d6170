//! Benchmark (not a test): CPU time of lbkit's runner against HAProxy's
//! health checks, on the same loopback listeners, in the same window of the
//! same run.
//!
//! `cargo bench -p healthcheck --bench vs_haproxy` starts `HC_BENCH_N`
//! (default 10,000) listeners on 127.0.0.1, then, at the same time:
//! - this binary again as a child process running a [`Runner`] with one
//!   check per listener every second (bound to source 127.0.0.2);
//! - HAProxy (Debian's) with the same servers, `check inter 1s` (source
//!   127.0.0.3).
//!
//! After a warm-up of 3 s, and once HAProxy checks at 90 % of its rate or
//! more (its start-up with thousands of servers takes seconds of CPU), it
//! reads both processes' CPU time (user + system,
//! from `/proc/PID/stat`) over a window of `HC_BENCH_SECS` (default 20) s,
//! counts the checks each made (ours from the runner's own counters, HAProxy's
//! as the kernel's TCP active opens in the benchmark's private network
//! namespace minus ours), and prints the ratios. It does this for TCP checks,
//! then HTTP checks (`GET /` expecting 200, HAProxy's `option httpchk` +
//! `http-check expect status 200`), then HTTP checks again with lbkit's
//! `reuse_connection` (HAProxy has no such mode and runs as before: that row
//! compares different work, and says so). `HC_BENCH_KINDS` picks rows
//! (`tcp,http,http-reuse`); `HC_BENCH_SYN=0` makes lbkit's TCP checks use
//! `connect()` instead of SYN probes. On a shared machine run it under
//! `nice -n -15` so that other work starves neither checker.
// The benchmark is an IO edge: it reads the clock.
#![allow(clippy::disallowed_methods)]

use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use healthcheck::runner::Runner;
use healthcheck::spec::{Connect, HttpCheck, HttpExpect, HttpRequest, HttpRule};
use healthcheck::{CheckSpec, Probe, SchedulerConfig, Timing};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CHILD_VAR: &str = "HC_BENCH_CHILD";
const NETNS_VAR: &str = "HC_BENCH_IN_NETNS";
const OURS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const THEIRS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));
const WARMUP: Duration = Duration::from_secs(3);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_VAR) {
        child(&spec);
        return;
    }
    if std::env::var_os(NETNS_VAR).is_none() {
        // Run in a network namespace of our own, so that the kernel's TCP
        // counters count only the two checkers (HAProxy's TCP checks reset
        // the connection before the handshake completes, so no accept()
        // sees them).
        let exe = std::env::current_exe().expect("this binary");
        let status = Command::new("unshare")
            .arg("--net")
            .arg("--")
            .arg(exe)
            .args(std::env::args_os().skip(1))
            .env(NETNS_VAR, "1")
            .status();
        match status {
            Ok(s) if s.success() => return,
            Ok(s) => {
                eprintln!("vs_haproxy: the run in a network namespace failed ({s})");
                std::process::exit(1);
            }
            Err(e) => eprintln!(
                "vs_haproxy: cannot run `unshare --net` ({e}); running here, where other \
                 traffic may skew HAProxy's check count"
            ),
        }
    } else {
        let up = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status();
        if !up.is_ok_and(|s| s.success()) {
            eprintln!("vs_haproxy: cannot bring up lo in the namespace");
            std::process::exit(1);
        }
    }
    let n = usize::try_from(env_num("HC_BENCH_N", 10_000)).unwrap_or(10_000);
    let secs = env_num("HC_BENCH_SECS", 20);
    let Some(haproxy) = ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!(
            "vs_haproxy: haproxy is not installed (apt-get install haproxy): nothing to compare"
        );
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut rows = Vec::new();
    raise_fd_limit();
    let kinds = std::env::var("HC_BENCH_KINDS").unwrap_or_else(|_| "tcp,http,http-reuse".into());
    for kind in kinds.split(',').filter(|k| !k.is_empty()) {
        rows.push(rt.block_on(compare(haproxy, kind, n, Duration::from_secs(secs))));
    }
    println!(
        "\n| check | servers | window | lbkit CPU | HAProxy CPU | ratio | lbkit checks/s | HAProxy checks/s | lbkit lag events |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}

/// 10,000 listeners plus as many kept-alive connections need more than the
/// usual limit of open files; root may raise it.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let want = 100_000;
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < want && setrlimit(Resource::RLIMIT_NOFILE, want, want.max(hard)).is_err() {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
        }
    }
}

/// One comparison: listeners, both checkers, the window, the figures.
async fn compare(haproxy: &str, kind: &str, n: usize, window: Duration) -> String {
    let mut addrs = Vec::with_capacity(n);
    let mut servers = tokio::task::JoinSet::new();
    for _ in 0..n {
        let l = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback listener");
        addrs.push(l.local_addr().expect("its address"));
        let http = kind.starts_with("http");
        servers.spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                if http {
                    tokio::spawn(async move { serve_http(&mut s).await });
                }
            }
        });
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let list = dir.path().join("servers");
    let text: String = addrs.iter().map(|a| format!("{a}\n")).collect();
    std::fs::write(&list, text).expect("the server list");
    let cfg = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg, haproxy_cfg(kind, &addrs)).expect("the haproxy config");

    let mut ours = Command::new(std::env::current_exe().expect("this binary"))
        .env(CHILD_VAR, format!("{kind}:{}", list.display()))
        .spawn()
        .expect("the runner child");
    let mut theirs = Command::new(haproxy)
        .args(["-db", "-q", "-f"])
        .arg(&cfg)
        .stdout(Stdio::null())
        .spawn()
        .expect("haproxy");
    tokio::time::sleep(WARMUP).await;
    for (name, c) in [("haproxy", &mut theirs), ("the runner child", &mut ours)] {
        if let Ok(Some(status)) = c.try_wait() {
            panic!("{name} exited during the warm-up ({status}); see its messages above");
        }
    }
    let stats = dir.path().join("stats");
    // HAProxy spends seconds of CPU setting up 10,000 servers before its
    // first check: start the window only once it checks at full rate (at
    // most 30 s more), so that neither side's start-up is measured.
    for _ in 0..30 {
        let (s0, a0) = (child_stats(&stats), active_opens());
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (s1, a1) = (child_stats(&stats), active_opens());
        let ours_opened = if kind == "http-reuse" {
            0
        } else {
            (s1[0] - s0[0]).saturating_sub(s1[3] - s0[3])
        };
        let theirs_per_s = (a1 - a0).saturating_sub(ours_opened);
        if theirs_per_s as f64 >= 0.9 * n as f64 {
            break;
        }
        eprintln!(
            "vs_haproxy {kind}: waiting for HAProxy to check at full rate ({theirs_per_s}/s)"
        );
    }
    let (o0, t0) = (cpu(&ours), cpu(&theirs));
    let (s0, a0) = (child_stats(&stats), active_opens());
    let start = Instant::now();
    tokio::time::sleep(window).await;
    let elapsed = start.elapsed().as_secs_f64();
    let (o1, t1) = (cpu(&ours), cpu(&theirs));
    let (s1, a1) = (child_stats(&stats), active_opens());
    let _ = theirs.kill();
    let _ = theirs.wait();
    let _ = ours.kill();
    let _ = ours.wait();
    // Close the listeners before the next comparison opens its own.
    servers.shutdown().await;
    // Probes started by us; HAProxy's checks are all other active opens.
    // With connection reuse ours open no connection once warm (an idle one
    // is kept up to 30 s, longer than warm-up and window together).
    let (c0o, c1o) = (s0[0], s1[0]);
    // SYN probes open no connection either (the kernel counts no active
    // open for a SYN from a raw socket).
    let ours_opened = if kind == "http-reuse" {
        0
    } else {
        (c1o - c0o).saturating_sub(s1[3] - s0[3])
    };
    let (c0t, c1t) = (0, (a1 - a0).saturating_sub(ours_opened));
    let lag = format!("{} (max {:.1} ms)", s1[1] - s0[1], s1[2] as f64 / 1000.0);
    let (o, t) = (o1 - o0, t1 - t0);
    let rate = |a: u64, b: u64| b.saturating_sub(a) as f64 / elapsed;
    let ratio = if t > 0.0 { o / t } else { f64::NAN };
    eprintln!(
        "vs_haproxy {kind}: lbkit {o:.2} s CPU, HAProxy {t:.2} s CPU over {elapsed:.1} s: ratio {ratio:.2}"
    );
    format!(
        "| {kind} | {n} | {elapsed:.0} s | {o:.2} s | {t:.2} s | {ratio:.2} | {:.0} | {:.0} | {lag} |",
        rate(c0o, c1o),
        rate(c0t, c1t)
    )
}

/// TCP active opens (connect() calls that sent a SYN) in this network
/// namespace, from `/proc/net/snmp`.
fn active_opens() -> u64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut tcp = snmp.lines().filter(|l| l.starts_with("Tcp:"));
    let (Some(names), Some(values)) = (tcp.next(), tcp.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == "ActiveOpens")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// Answers `200 ok` to each request on the connection; closes after an
/// HTTP/1.0 request or `Connection: close` (HAProxy's checks), keeps the
/// connection for HTTP/1.1 keep-alive (lbkit's `reuse_connection`).
async fn serve_http(s: &mut tokio::net::TcpStream) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let end = loop {
            if let Some(e) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break e;
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let keep = head.lines().next().is_some_and(|l| l.ends_with("http/1.1"))
            && !head.contains("connection: close");
        buf.drain(..end + 4);
        let reply: &[u8] = if keep {
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        } else {
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
        };
        if s.write_all(reply).await.is_err() || !keep {
            return;
        }
    }
}

/// The runner child's counters: probes started, lag events, max lag (µs),
/// SYN probes sent.
fn child_stats(path: &std::path::Path) -> [u64; 4] {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut v = text.split_whitespace().map(|f| f.parse().unwrap_or(0));
    [(); 4].map(|()| v.next().unwrap_or(0))
}

/// User + system CPU seconds of a process (all its threads).
fn cpu(child: &Child) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100);
    ticks as f64 / hz as f64
}

/// A port nothing listens on now (HAProxy needs a listener to start).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

fn haproxy_cfg(kind: &str, addrs: &[SocketAddr]) -> String {
    let mut s = format!(
        "global\n    maxconn 4000\n\
         defaults\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\n    timeout check 2s\n\
         listen bench\n    bind 127.0.0.1:{}\n    mode {}\n    source {THEIRS}\n",
        free_port(),
        if kind.starts_with("http") {
            "http"
        } else {
            "tcp"
        }
    );
    if kind.starts_with("http") {
        s.push_str("    option httpchk GET /\n    http-check expect status 200\n");
    }
    for (i, a) in addrs.iter().enumerate() {
        s.push_str(&format!("    server s{i} {a} check inter 1s\n"));
    }
    s
}

/// The runner child: one check per listed server every second, until
/// killed; writes its counters to `stats` beside the list every 250 ms.
fn child(spec: &str) {
    let (kind, list) = spec.split_once(':').unwrap_or(("tcp", spec));
    let addrs: Vec<SocketAddr> = std::fs::read_to_string(list)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let runner = Runner::new(SchedulerConfig::default()).expect("a runner");
        // HC_BENCH_SYN=0 measures TCP checks made with connect() instead.
        runner
            .prober()
            .set_syn_probes(std::env::var("HC_BENCH_SYN").map_or(true, |v| v != "0"));
        let mut runner = runner;
        let timing = Timing {
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            // Spread the first checks over the interval, as HAProxy does.
            warmup: Some(Duration::from_secs(1)),
            ..Timing::default()
        };
        let connect = Connect {
            bind_ip: Some(OURS),
            ..Connect::default()
        };
        for a in addrs {
            let probe = if kind.starts_with("http") {
                Probe::Http(HttpCheck {
                    connect: connect.clone(),
                    reuse_connection: kind == "http-reuse",
                    requests: vec![HttpRequest {
                        expect: vec![HttpExpect::is(HttpRule::Status(vec![(200, 200)]))],
                        ..HttpRequest::get("/")
                    }],
                    ..HttpCheck::default()
                })
            } else {
                Probe::Tcp(connect.clone())
            };
            runner
                .subscribe(CheckSpec::new(a, probe).with_timing(timing.clone()))
                .expect("a valid spec");
        }
        let stats = std::path::Path::new(list).with_file_name("stats");
        let mut said_why = false;
        loop {
            runner
                .run_until(Instant::now() + Duration::from_millis(250), |_, _| {})
                .await;
            let st = runner.scheduler().stats();
            let syn = runner.prober().syn_stats();
            if let (false, Some(why)) = (said_why, &syn.ipv4_fallback) {
                eprintln!("vs_haproxy: TCP checks use connect(): {why}");
                said_why = true;
            }
            let line = format!(
                "{} {} {} {}\n",
                st.probes_started,
                st.lag_events,
                st.max_lag.as_micros(),
                syn.sent
            );
            let tmp = stats.with_extension("tmp");
            if std::fs::write(&tmp, line).is_ok() {
                let _ = std::fs::rename(&tmp, &stats);
            }
        }
    });
}
