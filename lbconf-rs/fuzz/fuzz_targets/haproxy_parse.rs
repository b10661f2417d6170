//! haproxy.cfg: any input parses without panicking, the syntax tree prints
//! back the input byte for byte, reading the text directly gives the model
//! the tree gives, and the normalized dump parses back to the same
//! statements.
#![no_main]

use std::collections::BTreeMap;

use lbconf::haproxy::{self, Config, Options};
use libfuzzer_sys::fuzz_target;

fn shape(c: &Config) -> Vec<(&'static str, Option<String>, Vec<Vec<String>>)> {
    c.sections
        .iter()
        .map(|s| {
            (
                s.kind.keyword(),
                s.name.as_ref().map(|n| n.value.clone()),
                s.statements
                    .iter()
                    .map(|st| st.words().map(|w| w.value.to_owned()).collect())
                    .collect(),
            )
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = Options {
        env: BTreeMap::from([
            ("A".to_owned(), "1".to_owned()),
            ("L".to_owned(), "x y".to_owned()),
        ]),
        ..Options::default()
    };
    let tree = haproxy::syntax_tree("f.cfg", text, &opts);
    assert_eq!(tree.value.to_string(), text);
    let parsed = haproxy::parse_str("f.cfg", text, &opts);
    // parse_str reads the text without the tree: both ways agree.
    let mut diags = tree.diagnostics.clone();
    assert_eq!(
        haproxy::model_of(&tree.value, &opts, &mut diags),
        parsed.value
    );
    assert_eq!(diags.len(), parsed.diagnostics.len());
    let _ = haproxy::accepted(&parsed);
    let _ = haproxy::looks_like(text);
    let dumped = haproxy::dump(&parsed.value);
    let again = haproxy::parse_str("dump.cfg", &dumped, &opts);
    assert_eq!(shape(&again.value), shape(&parsed.value), "dump:\n{dumped}");
});
