//! `lbadm` against the real `ipvsadm` 1.31 on the same tables, byte for byte.
//!
//! `lbadm` is another package's binary: build it first
//! (`cargo build -p lbkit-examples --bin lbadm`, same target directory).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Output, Stdio};

use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

/// The `lbadm` beside this test binary (`target/debug/lbadm`), or `LBADM`.
fn find_lbadm() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LBADM") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("lbadm");
    p.exists().then_some(p)
}

fn lbadm() -> PathBuf {
    find_lbadm().expect("lbadm was found when the test started")
}

/// Kernel tier, and `lbadm` built: it belongs to another package, which
/// `cargo test -p ipvs` does not build. Without it the parity tests say so
/// and skip; in the test VM (where `cargo xtask vm-test` builds it first)
/// they fail instead.
fn ready(test: &str) -> bool {
    if !tier::kernel(test) {
        return false;
    }
    if find_lbadm().is_none() {
        assert!(
            !tier::in_vm(),
            "{test}: no lbadm beside the test binary in the test VM; `cargo xtask vm-test` builds it"
        );
        eprintln!(
            "skipping {test}: no lbadm beside the test binary; build it first with \
             `cargo build -p lbkit-examples --bin lbadm` (same target directory) or set LBADM"
        );
        return false;
    }
    true
}

fn exec(ns: &Netns, prog: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = ns.command(prog);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Runs both tools; stdout, stderr (program name normalised) and status must match.
fn same(ns: &Netns, args: &[&str]) -> String {
    let lb = lbadm();
    let lb = lb.to_str().unwrap();
    let a = exec(ns, "ipvsadm", args, None);
    let b = exec(ns, lb, args, None);
    let norm = |o: &Output, p: &str| String::from_utf8_lossy(&o.stderr).replace(p, "PROG");
    let (ea, eb) = (norm(&a, "ipvsadm"), norm(&b, lb));
    let (oa, ob) = (
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout),
    );
    assert_eq!(ob, oa, "stdout of {args:?}");
    assert_eq!(eb, ea, "stderr of {args:?}");
    assert_eq!(b.status.code(), a.status.code(), "status of {args:?}: {ea}");
    oa.into_owned()
}

fn ipvsadm(ns: &Netns, line: &str) {
    let args: Vec<&str> = line.split_whitespace().collect();
    let o = exec(ns, "ipvsadm", &args, None);
    assert!(
        o.status.success(),
        "ipvsadm {line}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

const LISTINGS: &[&[&str]] = &[
    &["-Ln"],
    &["-L", "-n", "--stats"],
    &["-Ln", "--rate"],
    &["-Ln", "--stats", "--exact"],
    &["-Ln", "--thresholds"],
    &["-Ln", "--persistent-conn"],
    &["-Ln", "--tun-info"],
    &["-Ln", "--nosort"],
    &["-S", "-n"],
    &["-Sn"],
    &["-L", "-n", "--timeout"],
    &["-L", "--daemon"],
    &["-Ln", "-t", "198.18.0.10:80"],
    &["-Ln", "-f", "21"],
    &["-Ln", "-u", "[fd00::10]:53"],
    // Without -n: names from /etc/services and reverse lookups (none resolve
    // for the test ranges here; the VM has no resolver).
    &["-L"],
    &["-S"],
];

#[test]
fn parity_hand_picked_table() {
    if !ready("parity_hand_picked_table") {
        return;
    }
    let ns = Netns::new("parity").unwrap();
    // No mixed-family destinations here: the kernel refuses them while a
    // sync daemon runs (and refuses to start one once a table has them).
    for line in [
        "--start-daemon master --mcast-interface lo --syncid 3",
        "--start-daemon backup --mcast-interface lo --syncid 4 --mcast-group 239.1.2.3 --mcast-port 8900 --mcast-ttl 2 --sync-maxlen 1300",
        "-A -t 198.18.0.10:80 -s rr",
        "-a -t 198.18.0.10:80 -r 198.18.0.21:8080 -m -w 3",
        "-a -t 198.18.0.10:80 -r 198.18.0.20:8080 -m -w 0 -x 100 -y 10",
        "-a -t 198.18.0.10:80 -r 198.18.0.22 -g",
        "-a -t 198.18.0.10:80 -r 198.18.0.23 -i",
        "-a -t 198.18.0.10:80 -r 198.18.0.24 -i --tun-type gue --tun-port 6080 --tun-remcsum",
        "-a -t 198.18.0.10:80 -r 198.18.0.25 -i --tun-type gue --tun-port 6081 --tun-csum",
        "-a -t 198.18.0.10:80 -r 198.18.0.26 -i --tun-type gre --tun-csum",
        "-a -t 198.18.0.10:80 -r 198.18.0.27 -i --tun-type gre",
        "-A -t 198.18.0.9:443 -s wlc -p 600 -M 255.255.255.0",
        "-A -u [fd00::10]:53 -s sh -b sh-fallback,sh-port -p 300 -M 64",
        "-a -u [fd00::10]:53 -r [fd00::20]:5353 -m -w 2",
        "-a -u [fd00::10]:53 -r [fd00::3]:5353 -m -w 2",
        "-A -u 198.18.0.11:5060 -s rr -o -p --pe sip",
        "-A -f 21 -s mh -b mh-port",
        "-a -f 21 -r 198.18.0.30 -g -w 5",
        "-A -f 22 -6 -s lc",
        "-a -f 22 -6 -r fd00::31 -i -w 1",
        "-A --sctp-service 198.18.0.12:3868 -s nq",
        "-A -t 198.18.0.13:0 -s sed -p",
        "-A -t 198.18.0.15:0 -s rr -p 20 -M 255.255.0.0",
        "-A -t 198.18.0.14:8000 -s lblcr -b flag-1,flag-3",
        "--set 1000 110 45",
    ] {
        ipvsadm(&ns, line);
    }
    for args in LISTINGS {
        same(&ns, args);
    }
    // Error messages and statuses, on bad command lines and kernel refusals.
    for args in [
        &["-A", "-t", "198.18.0.10:80", "-s", "rr"][..],
        &["-A", "-t", "198.18.0.1"],
        &["-A", "-t", "198.18.0.1:80", "-s", "twos"],
        &["-a", "-t", "198.18.0.1:80"],
        &["-a", "-t", "198.18.0.10:80", "-r", "198.18.0.21:8080", "-m"],
        &["-a", "-t", "198.18.9.9:80", "-r", "198.18.0.21:8080", "-m"],
        &["-e", "-t", "198.18.0.10:80", "-r", "198.18.0.99:1", "-m"],
        &["-d", "-t", "198.18.0.10:80", "-r", "198.18.0.99:1"],
        &["-D", "-t", "198.18.9.9:1"],
        &["-E", "-t", "198.18.9.9:1"],
        &["-Z", "-t", "198.18.9.9:1"],
        &["-L", "-n", "-t", "198.18.9.9:1"],
        &["-a", "-t", "198.18.0.10:80", "-r", "fd00::1", "-m"],
        &[
            "-a",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.40",
            "-m",
            "--tun-type",
            "gue",
        ],
        &[
            "-a",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.40",
            "-i",
            "--tun-type",
            "gue",
        ],
        &["-A", "-t", "198.18.0.1:80", "-s", "sh", "-b", "mh-port"],
        &["-A", "-t", "198.18.0.1:80", "-o"],
        &["-A", "-t", "198.18.0.1:80", "-w", "2"],
        &["-L", "-c", "--timeout"],
        &["--set", "1", "2"],
        &["-C", "extra"],
        &["-t", "198.18.0.1:80"],
        &["-A", "-t", "198.18.0.1:80", "-s", "rr", "-s", "wlc"],
        &["-A", "-t", "nonsense:80"],
        &["--start-daemon", "master", "--mcast-interface", "lo"],
        &["--stop-daemon", "sideways"],
        &["-f", "0", "-A"],
        &["-A", "-f", "0"],
        &["-A", "-6", "-f", "3"],
        &[
            "-a",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.41",
            "-i",
            "--tun-type",
            "gre",
            "--tun-port",
            "1",
        ],
        &[
            "-a",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.41",
            "-i",
            "--tun-type",
            "ipip",
            "--tun-csum",
        ],
        &[
            "-a",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.41",
            "-i",
            "--tun-type",
            "vxlan",
        ],
        &["--bogus"],
        &["-v"],
        &["-A", "-t", "198.18.0.15:0", "-p"],
    ] {
        same(&ns, args);
    }
    // The help text, with lbadm called by ipvsadm's name (through a symlink
    // first in PATH) since both print their program name.
    let dir = std::env::temp_dir().join(format!("lbadm-as-ipvsadm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ipvsadm");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(lbadm(), &link).unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let help = |path: Option<&str>| {
        let mut c = ns.command("ipvsadm");
        c.arg("-h");
        if let Some(p) = path {
            c.env("PATH", p);
        }
        c.output().unwrap()
    };
    let which = ns
        .command("sh")
        .args(["-c", "command -v ipvsadm"])
        .env("PATH", &path)
        .output()
        .unwrap();
    let which = String::from_utf8_lossy(&which.stdout);
    assert_eq!(
        which.trim(),
        link.to_str().unwrap(),
        "the symlink comes first in PATH"
    );
    let (a, b) = (help(None), help(Some(&path)));
    assert_eq!(
        String::from_utf8_lossy(&b.stdout),
        String::from_utf8_lossy(&a.stdout)
    );
    assert_eq!(b.status.code(), a.status.code());
    std::fs::remove_dir_all(&dir).unwrap();

    // Both tools change the table the same way.
    for args in [
        &[
            "-e",
            "-t",
            "198.18.0.10:80",
            "-r",
            "198.18.0.21:8080",
            "-m",
            "-w",
            "9",
        ][..],
        &["-E", "-t", "198.18.0.9:443", "-s", "wrr"],
        &["-d", "-t", "198.18.0.10:80", "-r", "198.18.0.22"],
        &["-D", "-u", "198.18.0.11:5060"],
        &["-Z"],
        &["--stop-daemon", "master"],
    ] {
        let lb = lbadm();
        let o = exec(&ns, lb.to_str().unwrap(), args, None);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let after = same(&ns, &["-Sn"]);
    assert!(
        after.contains("-a -t 198.18.0.10:80 -r 198.18.0.21:8080 -m -w 9"),
        "{after}"
    );
    // An edit sends every setting, as ipvsadm's does: no -p, no persistence.
    assert!(after.contains("-A -t 198.18.0.9:443 -s wrr\n"), "{after}");
    assert!(!after.contains("198.18.0.11:5060"), "{after}");
    same(&ns, &["-L", "--daemon"]);
}

/// A small xorshift generator: reproducible tables without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.next(v.len() as u64) as usize]
    }
}

fn random_table(seed: u64, services: usize) -> String {
    let mut r = Rng(seed | 1);
    let mut out = String::new();
    let scheds = [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
    ];
    for i in 0..services {
        let kind = r.next(5);
        let (svc, v6) = match kind {
            0 => (
                format!(
                    "-t 198.18.{}.{}:{}",
                    1 + i / 200,
                    1 + i % 200,
                    1 + r.next(65000)
                ),
                false,
            ),
            1 => (
                format!(
                    "-u 198.18.{}.{}:{}",
                    1 + i / 200,
                    1 + i % 200,
                    1 + r.next(65000)
                ),
                false,
            ),
            2 => (
                format!("-t [fd00::{:x}]:{}", 0x100 + i, 1 + r.next(65000)),
                true,
            ),
            3 => (
                format!(
                    "--sctp-service 198.18.{}.{}:{}",
                    1 + i / 200,
                    1 + i % 200,
                    1 + r.next(65000)
                ),
                false,
            ),
            _ => (format!("-f {}", 1 + i), false),
        };
        let sched = r.pick(&scheds);
        let mut line = format!("-A {svc} -s {sched}");
        if r.next(3) == 0 {
            line.push_str(&format!(" -p {}", 1 + r.next(3600)));
        }
        out.push_str(&line);
        out.push('\n');
        for d in 0..r.next(6) {
            let addr = if v6 {
                format!("[fd00::1:{:x}]", d + 1)
            } else {
                format!("198.19.{}.{}", i % 250, d + 1)
            };
            let fwd = if kind == 4 {
                r.pick(&["-g", "-i"])
            } else {
                r.pick(&["-m", "-g", "-i"])
            };
            let mut dl = format!("-a {svc} -r {addr}:{} {fwd} -w {}", 1000 + d, r.next(100));
            if r.next(4) == 0 {
                dl.push_str(&format!(" -x {} -y {}", 100 + r.next(100), r.next(50)));
            }
            out.push_str(&dl);
            out.push('\n');
        }
    }
    out
}

#[test]
fn parity_random_tables_and_restore() {
    if !ready("parity_random_tables_and_restore") {
        return;
    }
    let lb = lbadm();
    let lb = lb.to_str().unwrap();
    for seed in [1u64, 7, 42] {
        let table = random_table(seed, 40);
        let a = Netns::new("rnd-a").unwrap();
        let b = Netns::new("rnd-b").unwrap();
        let oa = exec(&a, "ipvsadm", &["-R"], Some(&table));
        let ob = exec(&b, lb, &["-R"], Some(&table));
        assert_eq!(
            oa.status.code(),
            ob.status.code(),
            "{}",
            String::from_utf8_lossy(&oa.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&ob.stderr),
            String::from_utf8_lossy(&oa.stderr)
        );
        // Restored by ipvsadm or by lbadm, the tables print the same.
        let sa = exec(&a, "ipvsadm", &["-S", "-n"], None).stdout;
        let sb = exec(&b, "ipvsadm", &["-S", "-n"], None).stdout;
        assert_eq!(
            String::from_utf8_lossy(&sb),
            String::from_utf8_lossy(&sa),
            "seed {seed}"
        );
        for args in LISTINGS.iter().take(9) {
            same(&b, args);
        }
        // What lbadm saves, ipvsadm restores to the same table.
        let saved = exec(&b, lb, &["-S", "-n"], None).stdout;
        let c = Netns::new("rnd-c").unwrap();
        let oc = exec(
            &c,
            "ipvsadm",
            &["-R"],
            Some(&String::from_utf8_lossy(&saved)),
        );
        assert!(
            oc.status.success(),
            "{}",
            String::from_utf8_lossy(&oc.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&exec(&c, "ipvsadm", &["-Sn"], None).stdout),
            String::from_utf8_lossy(&sa)
        );
    }
    // A restore with failing lines reports each failure like ipvsadm.
    let bad = "-A -t 198.18.0.1:80 -s rr\n-A -t 198.18.0.1:80 -s rr\n-a -t 198.18.0.2:80 -r 198.19.0.1\n-A -t 198.18.0.3:80 -s twos\n-A -t 198.18.0.4:80\n";
    let a = Netns::new("bad-a").unwrap();
    let b = Netns::new("bad-b").unwrap();
    let oa = exec(&a, "ipvsadm", &["-R"], Some(bad));
    let ob = exec(&b, lb, &["-R"], Some(bad));
    assert_eq!(
        String::from_utf8_lossy(&ob.stderr),
        String::from_utf8_lossy(&oa.stderr)
    );
    assert_eq!(ob.status.code(), oa.status.code());
    assert_eq!(
        exec(&a, "ipvsadm", &["-Sn"], None).stdout,
        exec(&b, "ipvsadm", &["-Sn"], None).stdout
    );
}

#[test]
fn parity_connection_listing() {
    if !ready("parity_connection_listing") {
        return;
    }
    let ns = Netns::new("conns").unwrap();
    ns.add_addr("lo", "198.18.0.10/32").unwrap();
    ipvsadm(&ns, "-A -t 198.18.0.10:80 -s rr");
    ipvsadm(&ns, "-a -t 198.18.0.10:80 -r 198.18.0.10:8080 -m");
    ipvsadm(&ns, "-A -u 198.18.0.10:53 -s rr -p 60");
    ipvsadm(&ns, "-a -u 198.18.0.10:53 -r 198.18.0.10:5353 -m");
    let listener = ns
        .enter(|| std::net::TcpListener::bind("198.18.0.10:8080"))
        .unwrap()
        .unwrap();
    let udp = ns
        .enter(|| std::net::UdpSocket::bind("198.18.0.10:0"))
        .unwrap()
        .unwrap();
    udp.send_to(b"q", "198.18.0.10:53").unwrap();
    let vip: std::net::SocketAddr = "198.18.0.10:80".parse().unwrap();
    let mut open = Vec::new();
    for _ in 0..2 {
        let s = ns
            .enter(|| std::net::TcpStream::connect_timeout(&vip, std::time::Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        open.push((s, listener.accept().unwrap()));
    }
    let lb = lbadm();
    let lb = lb.to_str().unwrap();
    // The expire column counts down between the two runs: compare the rest.
    let mask = |o: &Output| -> String {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| match l.get(..4) {
                Some("TCP " | "UDP ") => format!("{} ##:## {}", &l[..3], l.get(11..).unwrap_or("")),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for args in [&["-Lnc"][..], &["-L", "-c"], &["-Lnc", "--persistent-conn"]] {
        let a = exec(&ns, "ipvsadm", args, None);
        let b = exec(&ns, lb, args, None);
        let (ma, mb) = (mask(&a), mask(&b));
        assert!(ma.contains("ESTABLISHED"), "{ma}");
        assert_eq!(mb, ma, "{args:?}");
        assert_eq!(b.status.code(), a.status.code());
    }
    drop(open);
}

/// Host and service names on input (`gethostbyname`, `getservbyname`,
/// `inet_aton`'s short forms) and output (`gethostbyaddr`, ports from
/// `/etc/services`), answered from `/etc/hosts` and `/etc/services`, which
/// this test writes: only inside the test VM, whose `/etc` is a throw-away
/// RAM disk.
#[test]
fn parity_names() {
    if !ready("parity_names") {
        return;
    }
    if !tier::in_vm() {
        eprintln!("skipping parity_names: it writes /etc/hosts, which only the test VM may");
        return;
    }
    let hosts = "127.0.0.1 localhost\n\
                 198.18.7.1 vip-one.lbkit.test vip-one\n\
                 198.18.7.2 a-very-long-host-name-that-ipvsadm-cuts-short-in-its-buffer.lbkit.test\n\
                 198.19.7.1 rs-one.lbkit.test rs-one\n\
                 198.19.7.2 rs-two\n";
    std::fs::write("/etc/hosts", hosts).unwrap();
    if !std::path::Path::new("/etc/services").exists() {
        std::fs::write(
            "/etc/services",
            "http\t\t80/tcp\t\twww\nhttps\t\t443/tcp\ndomain\t\t53/tcp\ndomain\t\t53/udp\n\
             sip\t\t5060/udp\nwebcache\t8080/tcp\thttp-alt\n",
        )
        .unwrap();
    }
    let ns = Netns::new("names").unwrap();
    let lb = lbadm();
    let lb = lb.to_str().unwrap();
    // Half the table through ipvsadm, half through lbadm, both by name.
    for (tool, line) in [
        ("ipvsadm", "-A -t vip-one:http -s rr"),
        (
            lb,
            "-a -t vip-one.lbkit.test:www -r rs-one:webcache -m -w 2",
        ),
        ("ipvsadm", "-a -t 198.18.7.1:80 -r rs-two:http-alt -m"),
        (lb, "-A -u vip-one:domain -s rr"),
        ("ipvsadm", "-a -u vip-one:53 -r rs-one -m"),
        (lb, "-A -t 198.18.7.2:https -s wlc"),
        ("ipvsadm", "-A -t 3323070211:81 -s rr"),
        (lb, "-A -t 198.18.1795:82 -s rr"),
        (lb, "-A -t 0306.0x12.7.5:+83 -s rr"),
    ] {
        let args: Vec<&str> = line.split_whitespace().collect();
        let o = exec(&ns, tool, &args, None);
        assert!(
            o.status.success(),
            "{tool} {line}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let named = same(&ns, &["-L"]);
    assert!(named.contains("TCP  vip-one.lbkit.test:http rr"), "{named}");
    assert!(named.contains("-> rs-one.lbkit.test:"), "{named}");
    same(&ns, &["-S"]);
    let numeric = same(&ns, &["-Sn"]);
    for rule in [
        "-a -t 198.18.7.1:80 -r 198.19.7.1:8080 -m -w 2",
        "-a -t 198.18.7.1:80 -r 198.19.7.2:8080 -m -w 1",
        "-a -u 198.18.7.1:53 -r 198.19.7.1:53 -m -w 1",
        "-A -t 198.18.7.3:81 -s rr",
        "-A -t 198.18.7.3:82 -s rr",
        "-A -t 198.18.7.5:83 -s rr",
    ] {
        assert!(numeric.contains(rule), "{rule} missing in\n{numeric}");
    }
    same(&ns, &["-L", "-t", "vip-one:http"]);
    same(&ns, &["-L", "--stats"]);
    // Names that do not resolve, and the quirks of ipvsadm's parser: each
    // tool in a namespace of its own, outputs and resulting tables compared.
    for line in [
        "-A -t no-such-host.lbkit.test:80",
        "-A -t vip-one:no-such-service",
        "-A -u vip-one:ssh",
        "-A -u vip-one:https",
        "-A -t [198.18.7.9]:80 -s rr",
        "-A -t [vip-one]:80",
        "-A -t [fd00::7]:http",
        "-A -t 1.2.3.256:80",
        "-A -t 198.18.7.9:080",
        "-A -t vip-one:\t80",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        let (a, b) = (
            Netns::new("names-a").unwrap(),
            Netns::new("names-b").unwrap(),
        );
        let (oa, ob) = (exec(&a, "ipvsadm", &args, None), exec(&b, lb, &args, None));
        let err = |o: &Output, p: &str| String::from_utf8_lossy(&o.stderr).replace(p, "PROG");
        assert_eq!(err(&ob, lb), err(&oa, "ipvsadm"), "stderr of {line}");
        assert_eq!(ob.status.code(), oa.status.code(), "status of {line}");
        assert_eq!(
            exec(&b, "ipvsadm", &["-Sn"], None).stdout,
            exec(&a, "ipvsadm", &["-Sn"], None).stdout,
            "table after {line}"
        );
    }
}
