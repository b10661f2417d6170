//! Snapshots of the diagnostics of every corpus file, in `snapshots/`:
//! `NAME.txt` holds one line per diagnostic (with its help), and, with the
//! `render` feature, `NAME.rendered.txt` the rustc-style rendering. Run with
//! `LBCONF_BLESS=1` to write them after a deliberate change.

use std::path::{Path, PathBuf};

use lbconf::keepalived;

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keepalived/snapshots")
}

fn compare(name: &str, actual: &str, failures: &mut Vec<String>) {
    crate::snapshot::compare(&snapshot_dir(), name, actual, failures);
}

#[test]
fn diagnostics_match_their_snapshots() {
    let opts = crate::fixed_options();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    for file in crate::corpus::files() {
        // Relative paths keep the snapshots independent of the checkout.
        let rel = file.strip_prefix(root).expect("corpus under the crate");
        let sub = rel
            .strip_prefix("tests/keepalived/corpus")
            .expect("corpus path");
        let base = sub.with_extension("").display().to_string();
        let parsed = keepalived::parse_file(&root.join(rel), &opts);
        let parsed = lbconf::Parsed {
            sources: {
                let mut m = lbconf::SourceMap::new();
                for (_, f) in parsed.sources.files() {
                    let p = f.path().strip_prefix(root).unwrap_or(f.path());
                    m.add(p, f.text());
                }
                m
            },
            ..parsed
        };
        let mut lines = String::new();
        for d in &parsed.diagnostics {
            lines.push_str(&d.one_line(&parsed.sources));
            lines.push('\n');
            if let Some(h) = &d.help {
                lines.push_str(&format!("    help: {h}\n"));
            }
        }
        if base.starts_with("invalid/") {
            assert!(
                !keepalived::accepted(&parsed),
                "{base}: an invalid file must not be accepted:\n{lines}"
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
