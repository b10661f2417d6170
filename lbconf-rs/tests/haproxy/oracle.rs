//! The oracle: for every corpus file, the real `haproxy -c -f FILE` (Debian's
//! 2.6) and `lbconf::haproxy::accepted` must agree. HAProxy resolves host
//! names while checking, so it runs inside a throw-away network namespace
//! that has only loopback.

use std::process::Command;

use lbconf::haproxy;
use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

use crate::corpus;

fn haproxy_available() -> bool {
    Command::new("haproxy")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn corpus_agrees_with_haproxy_c() {
    if !tier::namespace("corpus_agrees_with_haproxy_c") {
        return;
    }
    if !haproxy_available() {
        assert!(
            !tier::required(),
            "haproxy is not installed (apt-get install haproxy); the oracle tier must run"
        );
        eprintln!(
            "skipping corpus_agrees_with_haproxy_c: haproxy is not installed (apt-get install haproxy)"
        );
        return;
    }
    let ns = Netns::new("hacfg").expect("network namespace");
    let opts = corpus::options();
    let mut disagreements = Vec::new();
    let files = corpus::files();
    for (rel, text) in &files {
        // `timeout` bounds each run; haproxy -c never binds or connects.
        let out = ns
            .command("timeout")
            .args(["30", "haproxy", "-c", "-f", rel])
            .current_dir(corpus::dir())
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .envs(corpus::env())
            .output()
            .expect("run haproxy -c");
        let real = out.status.success();
        let parsed = haproxy::parse_str(rel, text, &opts);
        let ours = haproxy::accepted(&parsed);
        let expected_by_dir = rel.starts_with("valid/");
        let haproxy_says = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        if real != expected_by_dir {
            disagreements.push(format!(
                "{rel}: in the wrong directory, haproxy -c exit {:?}:\n{haproxy_says}",
                out.status.code()
            ));
        }
        if real != ours {
            let ours_says: Vec<String> = parsed
                .diagnostics
                .iter()
                .map(|d| d.one_line(&parsed.sources))
                .collect();
            disagreements.push(format!(
                "{rel}: haproxy -c says {}, lbconf says {}\n--- haproxy:\n{haproxy_says}--- lbconf:\n{}\n",
                if real { "valid" } else { "invalid" },
                if ours { "valid" } else { "invalid" },
                ours_says.join("\n")
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} files disagree:\n{}",
        disagreements.len(),
        files.len(),
        disagreements.join("\n")
    );
}
