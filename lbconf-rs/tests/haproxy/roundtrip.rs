//! Round trips: the syntax tree prints back its input byte for byte, parsing
//! never panics and gives what the tree gives, and the normalized dump parses
//! back to the same statements.

use std::collections::BTreeMap;

use lbconf::haproxy::{self, Config, Options};
use proptest::prelude::*;

use crate::corpus;

fn opts() -> Options {
    Options {
        env: [("A", "1"), ("L", "x y  z"), ("E", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<BTreeMap<_, _>>(),
        ..Options::default()
    }
}

/// Sections, names and statement words, without spans.
fn shape(c: &Config) -> Vec<(String, Option<String>, Vec<Vec<String>>)> {
    c.sections
        .iter()
        .map(|s| {
            (
                s.kind.keyword().to_owned(),
                s.name.as_ref().map(|n| n.value.clone()),
                s.statements
                    .iter()
                    .map(|st| st.words().map(|w| w.value.to_owned()).collect())
                    .collect(),
            )
        })
        .collect()
}

fn check_round_trip(text: &str) {
    let tree = haproxy::syntax_tree("p.cfg", text, &opts());
    assert_eq!(tree.value.to_string(), text);
    let parsed = haproxy::parse_str("p.cfg", text, &opts());
    // parse_str reads the text without the tree: both ways agree.
    let mut diags = tree.diagnostics.clone();
    let model = haproxy::model_of(&tree.value, &opts(), &mut diags);
    assert_eq!(model, parsed.value);
    let key = |d: &lbconf::Diagnostic| (d.span().map(|s| s.start), d.code, d.message.clone());
    diags.sort_by_key(key);
    let mut from_text = parsed.diagnostics.clone();
    from_text.sort_by_key(key);
    assert_eq!(diags, from_text);
    let dumped = haproxy::dump(&parsed.value);
    let again = haproxy::parse_str("dump.cfg", &dumped, &opts());
    assert_eq!(shape(&again.value), shape(&parsed.value), "dump:\n{dumped}");
    assert_eq!(haproxy::dump(&again.value), dumped);
}

#[test]
fn corpus_files_round_trip() {
    for (rel, text) in corpus::files() {
        let tree = haproxy::syntax_tree(&rel, &text, &corpus::options());
        assert_eq!(tree.value.to_string(), text, "{rel}");
        check_round_trip(&text);
    }
}

/// Lines made of the characters that matter to the tokenizer and keywords
/// that open sections and blocks.
fn line() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("global".to_owned()),
        Just("frontend f".to_owned()),
        Just("backend b".to_owned()),
        Just("listen l".to_owned()),
        Just("defaults".to_owned()),
        Just(".if 1".to_owned()),
        Just(".if defined(A) && !0".to_owned()),
        Just(".elif 0".to_owned()),
        Just(".else".to_owned()),
        Just(".endif".to_owned()),
        Just(".warning \"w\"".to_owned()),
        Just("bind 127.0.0.1:80".to_owned()),
        Just("server s 198.18.0.1:80 check inter 2s".to_owned()),
        Just("balance uri len 3".to_owned()),
        Just("use_backend b if { path / }".to_owned()),
        "[a-z \\t#'\"\\\\$.{}()\\[\\]*!&|:x0-9\\r-]{0,24}",
        "\\PC{0,8}",
    ];
    prop::collection::vec(word, 0..4).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_round_trips(lines in prop::collection::vec(line(), 0..24), end_nl: bool) {
        let mut text = lines.join("\n");
        if end_nl {
            text.push('\n');
        }
        check_round_trip(&text);
    }
}
