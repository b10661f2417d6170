//! The `lbconf` binary on lbconf's fixture corpora. Each corpus file sits in
//! `valid/` or `invalid/` according to what the real tool (`keepalived -t`,
//! `haproxy -c`) says of it, which lbconf's own oracle tests check; here the
//! binary must exit 0 on exactly the valid ones, whatever kind detection and
//! argument handling it does on the way.

use std::path::{Path, PathBuf};
use std::process::Output;

use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

const LBCONF: &str = env!("CARGO_BIN_EXE_lbconf");

fn corpus(kind: &str, ext: &str) -> Vec<(PathBuf, bool)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lbconf-rs/tests")
        .join(kind)
        .join("corpus");
    let mut out = Vec::new();
    for (sub, valid) in [("valid", true), ("invalid", false)] {
        let Ok(dir) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for e in dir.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == ext) {
                out.push((p, valid));
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 10,
        "the {kind} corpus is missing under {}",
        root.display()
    );
    out
}

/// The namespace keepalived's corpus was judged in: `lo` and a veth pair
/// `eth0`/`eth1`, so interface checks give the same answers on any host.
fn oracle_namespace() -> Netns {
    let ns = Netns::new("clicheck").unwrap();
    ns.ip(&[
        "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
    ])
    .unwrap();
    ns
}

/// Runs the binary as the corpus oracles ran the real tools: from the corpus
/// directory (HAProxy resolves relative file names from its working
/// directory), with their fixed environment.
fn lbconf(ns: &Netns, cwd: &Path, args: &[&str]) -> Output {
    let mut c = ns.command(LBCONF);
    c.args(args)
        .current_dir(cwd)
        .env("LC_ALL", "C")
        .env("LBCONF_TEST_PORT", "8082")
        .env("LBCONF_TEST_SSL", "yes")
        .env("HOME", "/root");
    c.output().unwrap()
}

fn check_corpus(kind: &str, ext: &str, ns: &Netns) {
    let mut wrong = Vec::new();
    for (file, valid) in corpus(kind, ext) {
        let path = file.to_str().unwrap();
        let cwd = file.parent().and_then(Path::parent).unwrap();
        // keepalived's corpus was judged with `keepalived -t -i lbconf`.
        let id: &[&str] = if kind == "keepalived" {
            &["--config-id", "lbconf"]
        } else {
            &[]
        };
        // Once with the kind given, once guessed.
        let given = [&["check", "--kind", kind][..], id, &[path]].concat();
        let guessed = [&["check"][..], id, &[path]].concat();
        for args in [given, guessed] {
            let out = lbconf(ns, cwd, &args);
            let code = out.status.code();
            let expected = if valid { Some(0) } else { Some(1) };
            if code != expected {
                wrong.push(format!(
                    "{args:?}: exit {code:?}, expected {expected:?}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn check_agrees_with_keepalived_on_the_corpus() {
    if !tier::namespace("check_agrees_with_keepalived_on_the_corpus") {
        return;
    }
    check_corpus("keepalived", "conf", &oracle_namespace());
}

#[test]
fn check_agrees_with_haproxy_on_the_corpus() {
    if !tier::namespace("check_agrees_with_haproxy_on_the_corpus") {
        return;
    }
    check_corpus("haproxy", "cfg", &Netns::new("clicheckh").unwrap());
}

#[test]
fn dump_json_is_json_and_dump_text_reparses() {
    let dir = std::env::temp_dir().join(format!("lbconf-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("haproxy.cfg");
    std::fs::write(
        &cfg,
        "defaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n\
         frontend main\n  bind 127.0.0.1:8080\n  default_backend app\n\
         backend app\n  balance roundrobin\n  server app1 198.18.1.1:80 check inter 2s rise 4 fall 3\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(LBCONF)
            .args(args)
            .output()
            .unwrap()
    };
    let json = run(&["dump", "--json", cfg.to_str().unwrap()]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(value.to_string().contains("198.18.1.1"), "{value}");
    let text = run(&["dump", cfg.to_str().unwrap()]);
    assert!(text.status.success());
    let again = dir.join("again.cfg");
    std::fs::write(&again, &text.stdout).unwrap();
    let check = run(&["check", again.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_command_lines_exit_2_with_usage() {
    for args in [
        vec![],
        vec!["frobnicate", "x"],
        vec!["check"],
        vec!["check", "--kind", "nginx", "x"],
        vec!["check", "a", "b"],
        vec!["check", "--nope", "a"],
    ] {
        let out = std::process::Command::new(LBCONF)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage: lbconf"),
            "{args:?}"
        );
    }
    let out = std::process::Command::new(LBCONF)
        .args(["check", "/nonexistent/keepalived.conf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/keepalived.conf")
    );
}
