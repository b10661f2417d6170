//! The fixture corpus: `corpus/valid/*.conf` (keepalived 2.2.7 accepts them in
//! the oracle namespace) and `corpus/invalid/*.conf` (it rejects them).

use std::path::PathBuf;

/// The corpus directory.
pub(crate) fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keepalived/corpus")
}

/// Every top-level corpus file (included fragments live in `inc/`), sorted.
pub(crate) fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["valid", "invalid"] {
        let Ok(rd) = std::fs::read_dir(dir().join(sub)) else {
            continue;
        };
        out.extend(
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "conf")),
        );
    }
    out.sort();
    out
}
