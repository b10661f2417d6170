//! `cargo xtask bench-lbconf`: `lbconf check` against `keepalived -t` and
//! `haproxy -c` on the same generated files, in the same run.
//!
//! The files are the issue's sizes by default: 10,000 virtual servers with 10
//! real servers each, every one with a `TCP_CHECK`, and 10,000 HAProxy backends
//! with 10 `check`ed servers each. Each tool runs inside a throw-away network
//! namespace (keepalived checks that interfaces exist; HAProxy would resolve
//! names), several times; the median wall time, its CPU time and the peak
//! memory (GNU time's maximum resident set size) are printed with the ratios.
//! A tool that takes well under a quarter of a second is run several times in
//! a row per sample, as GNU time counts CPU time in 10 ms steps.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::Netns;

use crate::cmd::{self, Result, fail};
use crate::deps;

/// How big and how often.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Size {
    /// Virtual servers (keepalived) and backends (HAProxy).
    pub(crate) services: usize,
    /// Real servers per virtual server, servers per backend.
    pub(crate) servers: usize,
    /// Runs per tool; the median is reported.
    pub(crate) runs: usize,
}

/// A generated keepalived.conf: one VRRP instance on `eth0` and `size.services`
/// virtual servers of `size.servers` real servers with TCP_CHECK.
pub(crate) fn keepalived_conf(size: Size) -> String {
    let mut s = String::from(
        "global_defs {\n    router_id lb1\n}\n\n\
         vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    \
         priority 100\n    advert_int 1\n    virtual_ipaddress {\n        198.18.0.100/24\n    }\n}\n",
    );
    for v in 0..size.services {
        let vip = addr(0, v);
        writeln!(
            s,
            "\nvirtual_server {vip} 80 {{\n    delay_loop 6\n    lb_algo wlc\n    lb_kind NAT\n    \
             protocol TCP"
        )
        .expect("writing to a String");
        for r in 0..size.servers {
            let rip = addr(1, v * size.servers + r);
            writeln!(
                s,
                "    real_server {rip} 8080 {{\n        weight 1\n        TCP_CHECK {{\n            \
                 connect_timeout 3\n        }}\n    }}"
            )
            .expect("writing to a String");
        }
        s.push_str("}\n");
    }
    s
}

/// A generated haproxy.cfg: one frontend, `size.services` backends of
/// `size.servers` checked servers.
pub(crate) fn haproxy_cfg(size: Size) -> String {
    let mut s = String::from(
        "global\n    maxconn 4000\n\ndefaults\n    mode http\n    timeout connect 5s\n    \
         timeout client 30s\n    timeout server 30s\n\nfrontend main\n    bind 127.0.0.1:8080\n    \
         default_backend b0\n",
    );
    for b in 0..size.services {
        writeln!(s, "\nbackend b{b}\n    balance roundrobin").expect("writing to a String");
        for r in 0..size.servers {
            let ip = addr(1, b * size.servers + r);
            writeln!(s, "    server s{r} {ip}:80 check inter 2s rise 2 fall 3")
                .expect("writing to a String");
        }
    }
    s
}

/// The `n`th address of block `block` in 198.18.0.0/15 (up to 65,536 per block).
fn addr(block: usize, n: usize) -> String {
    let n = n % 65_536;
    format!("198.{}.{}.{}", 18 + block % 2, n / 256, n % 256)
}

/// One measured run: wall time and peak resident memory.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    /// User plus system CPU time (the machine may be shared: wall time then
    /// includes waiting for a core).
    cpu: Duration,
    max_rss_kib: u64,
}

/// Writes the generated files into `dir`.
pub(crate) fn generate(dir: &Path, size: Size) -> Result {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("keepalived.conf"), keepalived_conf(size))?;
    std::fs::write(dir.join("haproxy.cfg"), haproxy_cfg(size))?;
    Ok(())
}

pub(crate) fn run(root: &Path, size: Size) -> Result {
    if !cmd::is_root() {
        return Err(fail!(
            "the benchmark runs the tools in network namespaces: run it as root"
        ));
    }
    deps::ensure(&["time"])?;
    deps::ensure(deps::PEERS)?;
    cmd::run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "--locked", "--bin", "lbconf"])
            .current_dir(root),
    )?;
    // Where `cargo build` put it: CARGO_TARGET_DIR when set (relative to the
    // workspace root), else target/.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), |d| root.join(PathBuf::from(d)));
    let lbconf = target.join("release/lbconf");
    let dir = std::env::temp_dir().join(format!("lbkit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    generate(&dir, size)?;
    let kconf = dir.join("keepalived.conf");
    let hcfg = dir.join("haproxy.cfg");
    let ns = Netns::new("bench").map_err(|e| fail!("cannot create the namespace: {e}"))?;
    ns.ip(&[
        "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
    ])
    .map_err(|e| fail!("cannot create eth0 in the namespace: {e}"))?;

    println!(
        "lbconf benchmark: {} services x {} servers, median of {} runs",
        size.services, size.servers, size.runs
    );
    let sizes = format!(
        "keepalived.conf {} KiB, haproxy.cfg {} KiB",
        std::fs::metadata(&kconf)?.len() / 1024,
        std::fs::metadata(&hcfg)?.len() / 1024
    );
    println!("{sizes}");
    let rows = [
        (
            "keepalived.conf",
            "keepalived -t",
            vec!["keepalived".to_owned(), "-t".into(), "-f".into()],
            &kconf,
        ),
        (
            "haproxy.cfg",
            "haproxy -c",
            vec!["haproxy".to_owned(), "-c".into(), "-q".into(), "-f".into()],
            &hcfg,
        ),
    ];
    for (name, peer_name, peer, file) in rows {
        let kind = if name.starts_with("keepalived") {
            "keepalived"
        } else {
            "haproxy"
        };
        let ours: Vec<String> = vec![
            lbconf.display().to_string(),
            "check".into(),
            "--kind".into(),
            kind.into(),
        ];
        let ours = measure(&ns, &ours, file, size.runs)?;
        let theirs = measure(&ns, &peer, file, size.runs)?;
        println!(
            "{name}: lbconf check {:.3} s, {} MiB | {peer_name} {:.3} s, {} MiB | speed-up {:.2}x ({peer_name} time / lbconf time), memory {:.2}x theirs",
            ours.wall.as_secs_f64(),
            ours.max_rss_kib / 1024,
            theirs.wall.as_secs_f64(),
            theirs.max_rss_kib / 1024,
            theirs.wall.as_secs_f64() / ours.wall.as_secs_f64().max(1e-9),
            ours.max_rss_kib as f64 / theirs.max_rss_kib.max(1) as f64,
        );
        println!(
            "{name}: CPU (user+sys) lbconf check {:.3} s | {peer_name} {:.3} s | {:.2}x",
            ours.cpu.as_secs_f64(),
            theirs.cpu.as_secs_f64(),
            theirs.cpu.as_secs_f64() / ours.cpu.as_secs_f64().max(1e-9),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Runs `argv FILE` in `ns` under GNU time: `runs` samples, the median one
/// (by wall time). GNU time gives CPU times to 10 ms only, too coarse for a
/// tool that takes some tens of milliseconds: a sample runs the tool as many
/// times in a row as make about a quarter of a second (at most 20, timed by a
/// first run) and is divided by that count. The peak memory is the largest
/// of one run. The tool must accept the file: a benchmark of a rejection
/// would measure nothing.
fn measure(ns: &Netns, argv: &[String], file: &PathBuf, runs: usize) -> Result<Sample> {
    let stats = std::env::temp_dir().join(format!("lbkit-bench-time-{}", std::process::id()));
    let first = sample(ns, argv, file, 1, &stats)?;
    let repeat = (0.25 / first.wall.as_secs_f64().max(1e-3))
        .ceil()
        .clamp(1.0, 20.0) as u32;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        samples.push(sample(ns, argv, file, repeat, &stats)?);
    }
    let _ = std::fs::remove_file(&stats);
    samples.sort_by_key(|s| s.wall);
    Ok(samples[samples.len() / 2])
}

/// One sample: `argv FILE` run `repeat` times in a row under GNU time (which
/// writes to `stats`), per run.
fn sample(
    ns: &Netns,
    argv: &[String],
    file: &PathBuf,
    repeat: u32,
    stats: &Path,
) -> Result<Sample> {
    let mut c = ns.command("/usr/bin/time");
    c.arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(stats)
        .args([
            "sh",
            "-c",
            r#"n=$1; shift; i=0; while [ "$i" -lt "$n" ]; do "$@" || exit 1; i=$((i + 1)); done"#,
            "sh",
        ])
        .arg(repeat.to_string())
        .args(argv)
        .arg(file);
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let status = c
        .status()
        .map_err(|e| fail!("cannot run {}: {e}", argv[0]))?;
    let wall = start.elapsed();
    if !status.success() {
        return Err(fail!(
            "`{} {}` rejected the generated file ({status}); the benchmark needs a valid one",
            argv.join(" "),
            file.display()
        ));
    }
    let text = std::fs::read_to_string(stats)?;
    // The last line is ours: `MAX_RSS_KIB USER_S SYS_S`.
    let fields: Vec<&str> = text
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let (Some(max_rss_kib), Some(user), Some(sys)) = (
        fields.first().and_then(|f| f.parse::<u64>().ok()),
        fields.get(1).and_then(|f| f.parse::<f64>().ok()),
        fields.get(2).and_then(|f| f.parse::<f64>().ok()),
    ) else {
        return Err(fail!("GNU time wrote {text:?}"));
    };
    Ok(Sample {
        wall: wall / repeat,
        cpu: Duration::from_secs_f64((user + sys).max(0.0)) / repeat,
        max_rss_kib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_have_the_requested_size() {
        let size = Size {
            services: 3,
            servers: 4,
            runs: 1,
        };
        let k = keepalived_conf(size);
        assert_eq!(k.matches("virtual_server ").count(), 3);
        assert_eq!(k.matches("real_server ").count(), 12);
        assert_eq!(k.matches("TCP_CHECK").count(), 12);
        let h = haproxy_cfg(size);
        assert_eq!(h.matches("\nbackend ").count(), 3);
        assert_eq!(h.matches(" check ").count(), 12);
    }

    #[test]
    fn addresses_stay_in_the_benchmark_range() {
        for n in [0, 255, 256, 65_535, 65_536, 99_999] {
            for block in [0, 1] {
                let ip: std::net::IpAddr = addr(block, n).parse().unwrap();
                assert!(lbkit_testsupport::addr::is_test_addr(ip), "{ip}");
            }
        }
    }
}
