//! The oracle: for every corpus file, the real `keepalived -t -f FILE`
//! (Debian 2.2.7) and `accepted(parse_file(..))` run inside the same throw-away
//! network namespace (interfaces `lo`, `eth0`, `eth1`; no address, no route
//! out), and must agree. The file's directory (`valid/`, `invalid/`) must also
//! match keepalived's verdict, so the corpus itself stays honest.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lbconf::keepalived::{self, Options};
use lbkit_testsupport::netns::Netns;
use lbkit_testsupport::tier;

/// The config id both sides use (`keepalived -i`).
const CONFIG_ID: &str = "lbconf";

/// Runs `keepalived -t` in `ns`; `Some(exit code)`, `None` on timeout.
fn keepalived_t(ns: &Netns, file: &Path) -> (Option<i32>, String) {
    let mut cmd: Command = ns.command("keepalived");
    cmd.args(["-t", "-i", CONFIG_ID, "-f"])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("keepalived starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait for keepalived") {
            let out = child.wait_with_output().expect("keepalived output");
            let text = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            return (status.code(), text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "timed out".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn have_keepalived() -> bool {
    Command::new("keepalived")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

#[test]
fn corpus_agrees_with_keepalived_t() {
    if !tier::namespace("keepalived oracle corpus") {
        return;
    }
    if !have_keepalived() {
        assert!(
            !tier::required(),
            "keepalived is not installed: apt-get install keepalived"
        );
        eprintln!("skipping: keepalived is not installed (apt-get install keepalived)");
        return;
    }
    let ns = Netns::new("kaconf").expect("namespace");
    ns.ip(&[
        "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
    ])
    .expect("veth pair");
    ns.ip(&["link", "set", "eth0", "up"]).expect("eth0 up");
    ns.ip(&["link", "set", "eth1", "up"]).expect("eth1 up");
    let opts = Options {
        config_id: Some(CONFIG_ID.into()),
        interfaces: None,
    };
    let mut problems = Vec::new();
    let files = crate::corpus::files();
    assert!(files.len() > 40, "corpus too small: {}", files.len());
    for f in &files {
        let (code, log) = keepalived_t(&ns, f);
        let real = code == Some(0);
        let parsed = ns
            .enter(|| keepalived::parse_file(f, &opts))
            .expect("enter namespace");
        let ours = keepalived::accepted(&parsed);
        let expected_valid = f
            .parent()
            .is_some_and(|d| d.ends_with("valid") && !d.ends_with("invalid"));
        let diags: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| d.one_line(&parsed.sources))
            .collect();
        if real != ours || real != expected_valid {
            problems.push(format!(
                "{}: keepalived -t exit {code:?} ({}), lbconf accepted={ours}, in {}\n  keepalived said: {}\n  lbconf said: {}",
                f.display(),
                if real { "accepts" } else { "rejects" },
                if expected_valid { "valid/" } else { "invalid/" },
                log.trim().replace('\n', "\n    "),
                diags.join("\n    "),
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} files disagree:\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}
