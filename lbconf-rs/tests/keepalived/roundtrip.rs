//! The lossless tree prints every input back byte for byte, and no input
//! makes the parser panic.

use lbconf::keepalived::{self, Options, SyntaxTree};
use lbconf::source::FileId;
use proptest::prelude::*;

fn opts() -> Options {
    Options {
        config_id: Some("main".into()),
        interfaces: Some(vec!["lo".into(), "eth0".into()]),
    }
}

/// Text made of the characters that matter to the lexer and macro layer.
fn config_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("vrrp_instance".to_owned()),
            Just("virtual_server".to_owned()),
            Just("priority".to_owned()),
            Just("$X=".to_owned()),
            Just("${X}".to_owned()),
            Just("~SEQ(I,1,3)".to_owned()),
            Just("~LST({A,B},{1,2})".to_owned()),
            Just("@main".to_owned()),
            Just("@^main".to_owned()),
            "[a-z0-9_{}\"'#!$@~\\\\ \t\r\n./()=,é]{0,12}",
        ],
        0..40,
    )
    .prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tree_prints_config_like_text_back(text in config_like()) {
        let tree = SyntaxTree::parse(FileId(0), &text);
        prop_assert_eq!(tree.to_string(), text.clone());
        let parsed = keepalived::parse_str("p.conf", &text, &opts());
        // The dump of whatever was understood parses again without panicking.
        let _ = keepalived::parse_str("d.conf", &keepalived::dump(&parsed.value), &opts());
    }

    #[test]
    fn tree_prints_any_text_back(text in any::<String>()) {
        let tree = SyntaxTree::parse(FileId(0), &text);
        prop_assert_eq!(tree.to_string(), text.clone());
        let _ = keepalived::parse_str("p.conf", &text, &opts());
    }
}

#[test]
fn every_corpus_file_round_trips() {
    let files = crate::corpus::files();
    assert!(files.len() > 20, "corpus is missing: {files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let tree = SyntaxTree::parse(FileId(0), &text);
        assert_eq!(tree.to_string(), text, "{}", f.display());
        let parsed = keepalived::parse_file(&f, &opts());
        for t in keepalived::syntax_trees(&parsed) {
            let src = parsed.sources.get(t.file).unwrap();
            assert_eq!(t.to_string(), src.text(), "{}", src.path().display());
        }
    }
}

#[test]
fn dump_of_valid_files_parses_to_the_same_model_text() {
    for f in crate::corpus::files()
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("/valid/"))
    {
        let parsed = keepalived::parse_file(&f, &opts());
        let once = keepalived::dump(&parsed.value);
        let again = keepalived::parse_str("dump.conf", &once, &opts());
        assert_eq!(keepalived::dump(&again.value), once, "{}", f.display());
    }
}
