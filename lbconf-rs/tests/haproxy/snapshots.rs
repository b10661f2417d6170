//! Snapshots of the diagnostics of every corpus file, in `snapshots/`:
//! `NAME.txt` holds one line per diagnostic (with its help), and, with the
//! `render` feature, `NAME.rendered.txt` the rustc-style rendering. Run with
//! `LBCONF_BLESS=1` to write them after a deliberate change.

use std::path::PathBuf;

use lbconf::haproxy;

use crate::corpus;

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/haproxy/snapshots")
}

fn compare(name: &str, actual: &str, failures: &mut Vec<String>) {
    crate::snapshot::compare(&snapshot_dir(), name, actual, failures);
}

#[test]
fn diagnostics_match_their_snapshots() {
    let opts = corpus::options();
    let mut failures = Vec::new();
    for (rel, text) in corpus::files() {
        let parsed = haproxy::parse_str(&rel, &text, &opts);
        let base = rel.trim_end_matches(".cfg");
        let mut lines = String::new();
        for d in &parsed.diagnostics {
            lines.push_str(&d.one_line(&parsed.sources));
            lines.push('\n');
            if let Some(h) = &d.help {
                lines.push_str(&format!("    help: {h}\n"));
            }
        }
        if rel.starts_with("invalid/") {
            assert!(
                parsed.has_errors(),
                "{rel}: an invalid file must give at least one error:\n{lines}"
            );
        }
        compare(&format!("{base}.txt"), &lines, &mut failures);
        #[cfg(feature = "render")]
        {
            let rendered: Vec<String> = parsed
                .diagnostics
                .iter()
                .map(|d| lbconf::render(d, &parsed.sources))
                .collect();
            compare(
                &format!("{base}.rendered.txt"),
                &(rendered.join("\n") + "\n"),
                &mut failures,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
