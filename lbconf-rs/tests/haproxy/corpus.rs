//! The fixture corpus: `corpus/valid/*.cfg` (haproxy -c accepts them) and
//! `corpus/invalid/*.cfg` (it rejects them).

use std::collections::BTreeMap;
use std::path::PathBuf;

use lbconf::haproxy::Options;

/// `tests/haproxy/corpus`.
pub(crate) fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/haproxy/corpus")
}

/// Every corpus file as (path relative to the corpus, text), sorted.
pub(crate) fn files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["valid", "invalid"] {
        let mut names: Vec<_> = std::fs::read_dir(dir().join(sub))
            .expect("corpus directory")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .into_string()
                    .expect("utf-8 name")
            })
            .filter(|n| n.ends_with(".cfg"))
            .collect();
        names.sort();
        for n in names {
            let rel = format!("{sub}/{n}");
            let text = std::fs::read_to_string(dir().join(&rel)).expect("corpus file");
            out.push((rel, text));
        }
    }
    assert!(
        out.len() > 40,
        "the corpus went missing: {} files",
        out.len()
    );
    out
}

/// The variables the corpus is evaluated with (on top of nothing else, so
/// results do not depend on the machine's environment).
pub(crate) fn env() -> BTreeMap<String, String> {
    [
        ("LBCONF_TEST_PORT", "8082"),
        ("LBCONF_TEST_SSL", "yes"),
        ("HOME", "/root"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Options for parsing the corpus: fixed environment, corpus directory as
/// the working directory.
pub(crate) fn options() -> Options {
    Options {
        env: env(),
        base_dir: Some(dir()),
        ..Options::default()
    }
}
