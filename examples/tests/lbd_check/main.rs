//! `lbd --check --dry-run` against real servers on loopback: TCP listeners
//! and an HTTP server the test starts, flapped while lbd runs; the JSON lines
//! on stdout must tell each real server's transitions and the IPVS changes
//! keepalived would make (removal and re-addition, quorum loss with the
//! sorry server, `inhibit_on_failure` weights, `alpha` starting down).
//! Virtual servers are on 198.18.x addresses: in a dry run nothing is sent
//! to them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

const LBD: &str = env!("CARGO_BIN_EXE_lbd");
/// Longest a test waits for one expected line.
const WAIT: Duration = Duration::from_secs(20);
/// Longest any server thread lives.
const SERVER_LIFE: Duration = Duration::from_secs(90);

/// A TCP listener on 127.0.0.1 that can be closed (connections refused) and
/// opened again on the same port.
struct FlappingTcp {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FlappingTcp {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (u, s) = (Arc::clone(&up), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let born = Instant::now();
            let mut listener = Some(listener);
            while !s.load(Ordering::SeqCst) && born.elapsed() < SERVER_LIFE {
                match (u.load(Ordering::SeqCst), &listener) {
                    (true, None) => {
                        // std sets SO_REUSEADDR: the port comes back at once.
                        listener = TcpListener::bind(addr).ok();
                    }
                    (false, Some(_)) => listener = None,
                    (true, Some(l)) => {
                        l.set_nonblocking(true).unwrap();
                        while let Ok((conn, _)) = l.accept() {
                            drop(conn);
                        }
                    }
                    (false, None) => {}
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Self {
            addr,
            up,
            stop,
            thread: Some(thread),
        }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }
}

impl Drop for FlappingTcp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// An HTTP/1.0 server on 127.0.0.1 answering `200 ok` or, when down,
/// `503`.
struct Http {
    addr: SocketAddr,
    healthy: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Http {
    fn start(healthy: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let h = Arc::new(AtomicBool::new(healthy));
        let stop = Arc::new(AtomicBool::new(false));
        let (hh, s) = (Arc::clone(&h), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let born = Instant::now();
            while !s.load(Ordering::SeqCst) && born.elapsed() < SERVER_LIFE {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                        let mut buf = [0u8; 2048];
                        let mut got = Vec::new();
                        while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 8192 {
                            match conn.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => got.extend_from_slice(&buf[..n]),
                            }
                        }
                        let reply: &[u8] = if hh.load(Ordering::SeqCst) {
                            b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        } else {
                            b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"
                        };
                        let _ = conn.write_all(reply);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            addr,
            healthy: h,
            stop,
            thread: Some(thread),
        }
    }

    fn set_healthy(&self, up: bool) {
        self.healthy.store(up, Ordering::SeqCst);
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A running `lbd` and its stdout, line by line.
struct Lbd {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<Value>,
    _dir: tempfile::TempDir,
}

impl Lbd {
    fn start(config: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("keepalived.conf");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(LBD)
            .args(["--check", "--dry-run", "-f"])
            .arg(&path)
            .args(["--config-id", "lb1"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            _dir: dir,
        }
    }

    /// The next line matching `pred`, waiting at most [`WAIT`].
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let until = Instant::now() + WAIT;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let v: Value = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                    self.seen.push(v.clone());
                    if pred(&v) {
                        return v;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => panic!(
                    "no {what} line within {WAIT:?}; lines so far:\n{}",
                    self.seen
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
    }

    /// The lines after the last one waited for, up to the next one
    /// matching `pred` (included).
    fn lines_until(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let from = self.seen.len();
        self.wait_for(what, pred);
        self.seen[from..].to_vec()
    }

    fn stop(mut self, signal: &str) -> Vec<Value> {
        let pid = self.child.id().to_string();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
        let stop = self.wait_for("stop", |v| v["event"] == "stop");
        assert_eq!(stop["reason"], signal_name(signal));
        let until = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "lbd exited with {status} on {signal}");
                break;
            }
            assert!(Instant::now() < until, "lbd did not exit after {signal}");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.seen.clone()
    }
}

impl Drop for Lbd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal_name(s: &str) -> &'static str {
    match s {
        "INT" => "SIGINT",
        _ => "SIGTERM",
    }
}

fn is(v: &Value, event: &str, field: &str, value: &str) -> bool {
    v["event"] == event && v[field] == value
}

fn ipvs(v: &Value, op: &str, rs: &str) -> bool {
    v["event"] == "ipvs" && v["op"] == op && v["dest"]["real_server"] == rs
}

/// Checker settings for fast, deterministic test runs.
const FAST: &str = "connect_timeout 1\n            warmup 0\n            retry 1\n            \
                    delay_before_retry 0.1";

#[test]
fn flapping_servers_give_transitions_and_ipvs_changes() {
    let tcp = FlappingTcp::start();
    let web = Http::start(true);
    let alpha = Http::start(true);
    let (a, b, c) = (
        tcp.addr.to_string(),
        web.addr.to_string(),
        alpha.addr.to_string(),
    );
    let config = format!(
        "virtual_server 198.18.0.1 80 {{\n    delay_loop 0.2\n    lb_algo rr\n    lb_kind NAT\n    \
         protocol TCP\n    quorum 2\n    sorry_server 198.18.0.99 80\n    \
         real_server {} {} {{\n        weight 1\n        TCP_CHECK {{\n            {FAST}\n        }}\n    }}\n    \
         real_server {} {} {{\n        weight 1\n        HTTP_GET {{\n            url {{\n                path /health\n                \
         status_code 200\n            }}\n            {FAST}\n        }}\n    }}\n}}\n\
         virtual_server 198.18.0.2 80 {{\n    delay_loop 0.2\n    lb_algo wrr\n    lb_kind NAT\n    \
         protocol TCP\n    alpha\n    inhibit_on_failure\n    \
         real_server {} {} {{\n        weight 5\n        HTTP_GET {{\n            url {{\n                path /\n            }}\n            \
         {FAST}\n        }}\n    }}\n}}\n",
        tcp.addr.ip(),
        tcp.addr.port(),
        web.addr.ip(),
        web.addr.port(),
        alpha.addr.ip(),
        alpha.addr.port(),
    );
    let mut lbd = Lbd::start(&config, &["--duration", "60"]);

    // The initial table: both real servers of the first service alive, the
    // alpha one down but present with weight 0 (inhibit_on_failure).
    let start = lbd.wait_for("start", |v| v["event"] == "start");
    let vss = start["virtual_servers"].as_array().unwrap();
    assert_eq!(vss[0]["virtual_server"], "198.18.0.1:80/TCP");
    assert_eq!(vss[0]["real_servers"][0]["alive"], true);
    assert_eq!(vss[0]["real_servers"][1]["alive"], true);
    assert_eq!(vss[0]["real_servers"][1]["checkers"][0], "HTTP_GET");
    assert_eq!(
        vss[1]["real_servers"][0]["alive"], false,
        "alpha starts down"
    );
    let started = lbd.lines_until("the last start operation", |v| {
        v["event"] == "ipvs" && v["dest"]["real_server"] == c.as_str()
    });
    let ops: Vec<(&str, &str)> = started
        .iter()
        .map(|v| (v["op"].as_str().unwrap(), v["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        [
            ("add_service", "start"),
            ("add_dest", "start"),
            ("add_dest", "start"),
            ("add_service", "start"),
            ("add_dest", "start"),
        ]
    );
    assert_eq!(started.last().unwrap()["dest"]["weight"], 0);

    // The alpha server's first success enables it (weight 5, inhibit: an edit).
    let up = lbd.wait_for("alpha up", |v| is(v, "real_server", "real_server", &c));
    assert_eq!(
        (up["from"].as_str(), up["to"].as_str()),
        (Some("down"), Some("up"))
    );
    assert_eq!(up["checker"], "HTTP_GET");
    assert_eq!(up["outcome"]["passed"], true);
    let edit = lbd.wait_for("alpha edit", |v| ipvs(v, "edit_dest", &c));
    assert_eq!(edit["dest"]["weight"], 5);
    assert_eq!(edit["scheduler"], Value::Null);

    // The TCP server closes: it goes down, is removed, the quorum (2) is
    // lost and the sorry server replaces the HTTP one.
    tcp.set_up(false);
    let down = lbd.wait_for("tcp down", |v| is(v, "real_server", "real_server", &a));
    assert_eq!(down["to"], "down");
    assert_eq!(down["checker"], "TCP_CHECK");
    assert_eq!(down["outcome"]["passed"], false);
    assert_eq!(down["outcome"]["kind"], "Connect");
    assert!(down["started_ms"].is_u64() && down["took_ms"].is_u64());
    let lost = lbd.lines_until("sorry server in", |v| ipvs(v, "add_dest", "198.18.0.99:80"));
    let quorum = lost.iter().find(|v| v["event"] == "quorum").unwrap();
    assert_eq!(
        (quorum["up"].as_bool(), quorum["weight_sum"].as_i64()),
        (Some(false), Some(1))
    );
    // Deletions come first (in address order), then the sorry server.
    let mut removed: Vec<&str> = lost
        .iter()
        .filter(|v| v["op"] == "del_dest")
        .map(|v| v["dest"]["real_server"].as_str().unwrap())
        .collect();
    removed.sort_unstable();
    let mut both = [a.as_str(), b.as_str()];
    both.sort_unstable();
    assert_eq!(removed, both);

    // It comes back: quorum regained, sorry server out, both back in.
    tcp.set_up(true);
    let back = lbd.wait_for("tcp up", |v| is(v, "real_server", "real_server", &a));
    assert_eq!(back["to"], "up");
    let mut regained = Vec::new();
    while regained.len() < 3 {
        let v = lbd.wait_for("regained ops", |v| v["event"] == "ipvs");
        regained.push((
            v["op"].as_str().unwrap().to_owned(),
            v["dest"]["real_server"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        regained[0],
        ("del_dest".to_owned(), "198.18.0.99:80".to_owned()),
        "the sorry server leaves first"
    );
    let mut added: Vec<_> = regained[1..].to_vec();
    added.sort_unstable();
    let mut expected = vec![
        ("add_dest".to_owned(), a.clone()),
        ("add_dest".to_owned(), b.clone()),
    ];
    expected.sort_unstable();
    assert_eq!(added, expected);

    // The inhibited server answers 503: weight 0, not removed; then 200 again.
    alpha.set_healthy(false);
    let down = lbd.wait_for("alpha down", |v| is(v, "real_server", "real_server", &c));
    assert_eq!(down["to"], "down");
    assert_eq!(down["outcome"]["kind"], "Reply");
    assert_eq!(
        lbd.wait_for("weight 0", |v| ipvs(v, "edit_dest", &c))["dest"]["weight"],
        0
    );
    alpha.set_healthy(true);
    lbd.wait_for("alpha up again", |v| {
        is(v, "real_server", "real_server", &c) && v["to"] == "up"
    });
    assert_eq!(
        lbd.wait_for("weight 5", |v| ipvs(v, "edit_dest", &c))["dest"]["weight"],
        5
    );

    let all = lbd.stop("TERM");
    // keepalived removes its services when it stops.
    let removed: Vec<&str> = all
        .iter()
        .filter(|v| v["op"] == "del_service")
        .map(|v| v["virtual_server"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["198.18.0.1:80/TCP", "198.18.0.2:80/TCP"]);
    assert!(
        !all.iter().any(|v| ipvs(v, "del_dest", &c)),
        "an inhibited server is never removed"
    );
    drop(web);
}

#[test]
fn duration_and_sigint_end_the_run_cleanly() {
    let web = Http::start(true);
    let config = format!(
        "virtual_server 198.18.1.1 80 {{\n    delay_loop 0.2\n    lb_algo rr\n    lb_kind NAT\n    \
         protocol TCP\n    real_server {} {} {{\n        TCP_CHECK {{\n            {FAST}\n        }}\n    }}\n}}\n",
        web.addr.ip(),
        web.addr.port()
    );
    let mut lbd = Lbd::start(&config, &["--duration", "0.5"]);
    lbd.wait_for("start", |v| v["event"] == "start");
    let stop = lbd.wait_for("stop", |v| v["event"] == "stop");
    assert_eq!(stop["reason"], "duration");
    let status = lbd.child.wait().unwrap();
    assert!(status.success(), "{status}");

    let mut lbd = Lbd::start(&config, &[]);
    lbd.wait_for("start", |v| v["event"] == "start");
    let lines = lbd.stop("INT");
    assert_eq!(lines.last().unwrap()["event"], "stop");
}

#[test]
fn file_check_weights_edit_the_destination() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("weight");
    std::fs::write(&file, "3\n").unwrap();
    let config = format!(
        "vrrp_track_file load {{\n    file {}\n}}\n\
         virtual_server 198.18.3.1 80 {{\n    lb_algo wrr\n    lb_kind DR\n    protocol TCP\n    \
         real_server 198.18.3.10 80 {{\n        weight 1\n        FILE_CHECK {{\n            \
         track_file load\n            weight 2\n        }}\n    }}\n}}\n",
        file.display()
    );
    let mut lbd = Lbd::start(&config, &["--duration", "60"]);
    // keepalived reads the file while loading: 1 + 3 × 2 from the start.
    let added = lbd.wait_for("start dest", |v| ipvs(v, "add_dest", "198.18.3.10:80"));
    assert_eq!(added["dest"]["weight"], 7);
    assert_eq!(added["dest"]["forwarding"], "DR");
    let w = lbd.wait_for("weight line", |v| v["event"] == "weight");
    assert_eq!(w["checker"], "FILE_CHECK");
    std::fs::write(&file, "1\n").unwrap();
    let edit = lbd.wait_for("edit 3", |v| ipvs(v, "edit_dest", "198.18.3.10:80"));
    assert_eq!(edit["dest"]["weight"], 3);
    lbd.stop("TERM");
}

fn run(config: &str, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keepalived.conf");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(LBD)
        .args(args)
        .arg("-f")
        .arg(&path)
        .args(["--config-id", "lb1", "--duration", "5"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const VALID: &str = "virtual_server 198.18.2.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    \
                     protocol TCP\n    real_server 198.18.2.10 80 {\n        TCP_CHECK {\n        }\n    }\n}\n";

#[test]
fn without_dry_run_check_says_ipvs_is_the_daemons_job() {
    let (code, stdout, stderr) = run(VALID, &["--check"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("daemon") && stderr.contains("--dry-run"),
        "{stderr}"
    );
}

#[test]
fn a_config_keepalived_rejects_is_refused_with_its_diagnostics() {
    let bad = VALID.replace("lb_algo rr", "lb_algo fastest");
    let (code, stdout, stderr) = run(&bad, &["--check", "--dry-run"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("fastest") && stderr.contains("keepalived -t"),
        "{stderr}"
    );
}

#[test]
fn an_unsupported_checker_is_refused_with_its_location() {
    let bfd = "bfd_instance b1 {\n    neighbor_ip 198.18.2.10\n}\n".to_owned()
        + &VALID.replace(
            "TCP_CHECK {\n        }",
            "BFD_CHECK {\n            name b1\n        }",
        );
    let (code, stdout, stderr) = run(&bfd, &["--check", "--dry-run"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("keepalived.conf:9:9: `BFD_CHECK` is not supported"),
        "{stderr}"
    );
}
