//! Differential test: a seeded generator inserts one to three fragments
//! (valid and invalid statements, directives, tricky words) into a small
//! valid configuration, and for every variant the real `haproxy -c` and
//! `lbconf::haproxy::accepted` must agree. Runs in a loopback-only network
//! namespace like the corpus oracle; the number of variants is fixed.

use std::fmt::Write as _;

use lbconf::haproxy;
use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

use crate::corpus;

const BASE: &str = "defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\nfrontend f\n    bind 127.0.0.1:8100\n    default_backend b\nbackend b\n    server s1 198.18.0.71:80\n";

const GLOBAL: &[&str] = &[
    "    nbthread 2",
    "    tune.bufsize 16384",
    "    tune.nope 1",
    "    ssl-default-bind-ciphers ECDHE",
    "    chroot /var/lib/haproxy",
    "    stats timeout 30s",
    "    log stdout format raw local0",
    "    nbproc 2",
    "    maxconn x",
    "    maxconns 10",
];

const PROXY: &[&str] = &[
    "    http-request deny if { path /x }",
    "    http-response set-header A b",
    "    tcp-request content accept",
    "    tcp-request inspect-delay 5s",
    "    option forwardfor",
    "    no option forwardfor",
    "    no option redispatch",
    "    option nope",
    "    stats enable",
    "    stats uri /s",
    "    stats uri",
    "    cookie SRV insert indirect nocache",
    "    hash-type consistent",
    "    fullconn 100",
    "    maxconn x",
    "    retries 3",
    "    retry-on all-retryable-errors",
    "    redirect prefix /x",
    "    errorfile 503 /etc/haproxy/errors/503.http",
    "    errorfile 999 /etc/haproxy/errors/503.http",
    "    errorfile 503 /nonexistent/503.http",
    "    log global",
    "    log 127.0.0.1:514 local0",
    "    no log",
    "    description",
    "    capture request header Host len 32",
    "    timeout client 5",
    "    timeout server 1m",
    "    timeout tunnel 25d",
    "    timeout check 2x",
    "    timeout nope 1s",
    "    balance leastconn",
    "    balance random(0)",
    "    balance uri depth 3",
    "    balance uri depth 0",
    "    balance hdr(",
    "    balance url_param",
    "    balance hash",
    "    balance nope",
    "    server s9 198.18.0.9:80 check port 0",
    "    server s9 198.18.0.9:+1",
    "    server s9 198.18.0.9:80 weight 257",
    "    server s9 198.18.0.9:80 track b/s1",
    "    server s9 198.18.0.9:80 id 0",
    "    server s9 198.18.0.9 check",
    "    server s9 /run/x.sock",
    "    server s9 198.18.0.9:443 ssl",
    "    server s9 198.18.0.9:443 ssl verify none",
    "    server s9 ipv6@fd00::9:80",
    "    server s9 app.test.invalid:80",
    "    server s1 198.18.0.9:80",
    "    server s9 198.18.0.9:80 chek",
    "    default-server check inter 3s",
    "    default-server init-addr none",
    "    bind 127.0.0.1:8200 accept-proxy",
    "    bind 127.0.0.1:8200 v4v6",
    "    bind 127.0.0.1:0",
    "    bind 127.0.0.1",
    "    bind [::1]:8201",
    "    bind 127.0.0.1:8200 ssl",
    "    acl a path -i /x",
    "    acl a nofetch",
    "    use_backend b",
    "    use_backend b unless TRUE",
    "    use_backend nope if TRUE",
    "    use_backend b if a",
    "    default_backend nope",
    "    http-check expect status 200",
    "    tcp-check expect string x",
    "    option httpchk HEAD /",
    "    mode tcp",
    "    mode health",
    "    disabled",
    "    enabled",
    "    \"\" x",
    "    http-request set-header X \"${HOME[*]}\"",
    "    http-request set-header X \"$\"",
    "    http-request set-header X \\x4",
    "    http-request set-header X \"a\\\"b\" # comment",
    ".if 1\n.endif",
    ".if 2 && !1\n    .alert \"x\"\n.endif",
    ".if defined(HOME) || x\n.endif",
    ".if (1\n.endif",
    ".if feature(OPENSSL)\n.else\n    .alert \"x\"\n.endif",
    ".else",
    ".warning \"w\"",
    ".warning two words",
    "    server s8 198.18.0.8:80 on-error nope",
    "    server s8 198.18.0.8:80 on-error mark-down",
    "    server s8 198.18.0.8:80 ssl-min-ver TLSv9",
    "    server s8 198.18.0.8:80 check-ssl",
    "    server s8 198.18.0.8:80 check-ssl verify none",
    "    server s8 198.18.0.8:80 ca-file /nonexistent verify required",
    "    server s8 198.18.0.8:80 agent-check",
    "    server s8 198.18.0.8:80 agent-check agent-port 9999",
    "    server s8 198.18.0.8:80 resolvers nope",
    "    server s8 198.18.0.8:80 port x",
    "    server s8 198.18.0.8:80 track b/nope track s1",
    "    http-request set-heder X a",
    "    http-request set-header X a b",
    "    http-request set-header \"\" x",
    "    http-request replace-header X a b",
    "    tcp-response content drop",
    "peers p\n    peer p1 127.0.0.1:10001",
    "resolvers r\n    nameserver n1 127.0.0.1:53",
    "resolvers r\n    nameserver n1 nohost:53",
    "userlist u\n    user a insecure-password b",
    "cache c\n    total-max-size 4",
    "cache c\n    max-age 60",
    "ring r\n    format nope",
    "ring r\n    format rfc5424\n    size 32764",
    "global\n    hard-stop-after 3x",
    "global\n    nbthread 0",
    "global\n    user nosuchuser",
    "global\n    stats socket /tmp/lbconf-x.sock level nope",
    "global\n    log 127.0.0.1 nofacility",
    "global\n    log 127.0.0.1 len 1024 local0 info",
    "    stick-table type ip size 1m expire 30s",
    "    stick-table type nope size 1m",
    "    stick-table type ip size 1m store nope",
    "    http-request track-sc0 src",
    "    http-request track-sc1 src table b",
    "    use-server s1 if TRUE",
    "    use-server nope if TRUE",
    "    cookie SRV insert indirect nocache",
    "    cookie SRV nope",
    "    http-reuse nope",
    "    hash-type nope",
    "    compression algo gzip",
    "    compression algo nope",
    "    option forwardfor nope",
    "    option httplog nope",
    "    capture request header Host",
    "    declare capture request len 32",
    "    http-request capture req.hdr(x) id 0",
    "    http-error status 999",
    "    filter nope",
    "    log-format \"%ci %r\"",
    "    log-format \"%xyz\"",
    "userlist u\n    user a insecure-password b",
    "    http-request auth if !{ http_auth(u) }",
];

/// xorshift64*: a fixed sequence for a fixed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        usize::try_from(v % n as u64).unwrap_or(0)
    }
}

fn variant(rng: &mut Rng) -> String {
    let mut text = BASE.to_owned();
    for _ in 0..=rng.next(3) {
        if rng.next(6) == 0 {
            let line = GLOBAL[rng.next(GLOBAL.len())];
            text = format!("global\n{line}\n{text}");
            continue;
        }
        let line = PROXY[rng.next(PROXY.len())];
        let section = ["defaults\n", "frontend f\n", "backend b\n"][rng.next(3)];
        if rng.next(2) == 0 {
            text = text.replacen(section, &format!("{section}{line}\n"), 1);
        } else {
            let _ = writeln!(text, "{line}");
        }
    }
    text
}

#[test]
fn generated_variants_agree_with_haproxy_c() {
    if !tier::namespace("generated_variants_agree_with_haproxy_c") {
        return;
    }
    if std::process::Command::new("haproxy")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            !tier::required(),
            "haproxy is not installed (apt-get install haproxy)"
        );
        eprintln!("skipping generated_variants_agree_with_haproxy_c: haproxy is not installed");
        return;
    }
    let ns = Netns::new("hadiff").expect("network namespace");
    let dir = std::env::temp_dir().join(format!("lbconf-hadiff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let opts = corpus::options();
    let mut rng = Rng(0x1bc0_4f00_dead_beef);
    let mut failures = Vec::new();
    let mut rejected = 0;
    const VARIANTS: usize = 300;
    for n in 0..VARIANTS {
        let text = variant(&mut rng);
        let file = dir.join(format!("v{n}.cfg"));
        std::fs::write(&file, &text).expect("write variant");
        let out = ns
            .command("timeout")
            .args(["30", "haproxy", "-c", "-f"])
            .arg(&file)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .envs(corpus::env())
            .output()
            .expect("run haproxy -c");
        let parsed = haproxy::parse_str(&format!("v{n}.cfg"), &text, &opts);
        rejected += usize::from(!out.status.success());
        if out.status.success() != haproxy::accepted(&parsed) {
            let ours: Vec<String> = parsed
                .diagnostics
                .iter()
                .map(|d| d.one_line(&parsed.sources))
                .collect();
            failures.push(format!(
                "variant {n}: haproxy -c exit {:?}, lbconf accepted={}\n{text}--- haproxy:\n{}--- lbconf:\n{}\n",
                out.status.code(),
                haproxy::accepted(&parsed),
                String::from_utf8_lossy(&out.stderr),
                ours.join("\n")
            ));
        }
    }
    std::fs::remove_dir_all(&dir).expect("remove temp dir");
    // The generator must exercise both outcomes to mean anything.
    assert!(
        (VARIANTS / 5..VARIANTS * 4 / 5).contains(&rejected),
        "haproxy rejected {rejected} of {VARIANTS} variants: rebalance the fragments"
    );
    assert!(
        failures.is_empty(),
        "{} of {VARIANTS} variants disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One random edit of `text`: delete a line, duplicate one, swap two words of
/// a line, or cut the last character of a word.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        return String::new();
    }
    let i = rng.next(lines.len());
    match rng.next(4) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let copy = lines[rng.next(lines.len())].clone();
            lines.insert(i, copy);
        }
        kind => {
            let mut words: Vec<String> = lines[i].split_whitespace().map(str::to_owned).collect();
            if words.len() > 2 {
                let a = 1 + rng.next(words.len() - 1);
                if kind == 2 {
                    let b = 1 + rng.next(words.len() - 1);
                    words.swap(a, b);
                } else if words[a].len() > 1 {
                    let mut w = words[a].clone();
                    w.pop();
                    words[a] = w;
                }
                lines[i] = format!("    {}", words.join(" "));
            }
        }
    }
    lines.join("\n") + "\n"
}

/// Mutants of the corpus files, checked against haproxy -c: every one must
/// get the same verdict (each disagreement is printed). The seed is fixed;
/// `LBCONF_MUTANT_SEED=N` draws other mutants, to look for blind spots.
#[test]
fn corpus_mutants_agree_with_haproxy_c() {
    if !tier::namespace("corpus_mutants_agree_with_haproxy_c") {
        return;
    }
    if std::process::Command::new("haproxy")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            !tier::required(),
            "haproxy is not installed (apt-get install haproxy)"
        );
        eprintln!("skipping corpus_mutants_agree_with_haproxy_c: haproxy is not installed");
        return;
    }
    let ns = Netns::new("hamut").expect("network namespace");
    let dir = corpus::dir().join(format!("mutants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mutant dir");
    let opts = corpus::options();
    // LBCONF_MUTANT_SEED explores other mutants; the default is fixed.
    let seed = std::env::var("LBCONF_MUTANT_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&s| s != 0)
        .unwrap_or(0x5eed_0fc0_ffee_0042);
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let mut total = 0;
    for (rel, text) in corpus::files() {
        for m in 0..3 {
            let mutant = mutate(&text, &mut rng);
            let name = format!("{}-{m}.cfg", rel.replace('/', "-").trim_end_matches(".cfg"));
            // Inside the corpus directory, so relative paths (certs/) resolve.
            let rel_path = format!(
                "{}/{name}",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or("")
            );
            std::fs::write(dir.join(&name), &mutant).expect("write mutant");
            let out = ns
                .command("timeout")
                .args(["30", "haproxy", "-c", "-f", &rel_path])
                .current_dir(corpus::dir())
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .envs(corpus::env())
                .output()
                .expect("run haproxy -c");
            let parsed = haproxy::parse_str(&rel_path, &mutant, &opts);
            total += 1;
            if out.status.success() != haproxy::accepted(&parsed) {
                failures.push(format!(
                    "{rel_path} (mutant of {rel}): haproxy -c exit {:?}, lbconf accepted={}\n--- haproxy:\n{}--- mutant:\n{mutant}",
                    out.status.code(),
                    haproxy::accepted(&parsed),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    std::fs::remove_dir_all(&dir).expect("remove mutant dir");
    assert!(
        failures.is_empty(),
        "{} of {total} mutants disagree with haproxy -c:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
