//! The lossless tree prints every input back byte for byte, and no input
//! makes the parser panic.

use lbconf::keepalived::{self, Options, SyntaxTree};
use lbconf::source::FileId;
use proptest::prelude::*;

fn opts() -> Options {
    Options {
        config_id: Some("main".into()),
        interfaces: Some(vec!["lo".into(), "eth0".into()]),
        host_names: Some(vec!["localhost".into()]),
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

/// A statement line: a keyword of a virtual server, real server, checker or
/// url with a good, bad, missing or extra value.
fn lvs_line() -> impl Strategy<Value = String> {
    let keywords = prop_oneof![
        Just("lb_algo"),
        Just("lvs_sched"),
        Just("lb_kind"),
        Just("protocol"),
        Just("sorry_server"),
        Just("sh-port"),
        Just("quorum_up"),
        Just("persistence_granularity"),
        Just("inhibit_on_failure"),
        Just("weight"),
        Just("lvs_method"),
        Just("notify_up"),
        Just("smtp_alert"),
        Just("alpha"),
        Just("connect_ip"),
        Just("connect_port"),
        Just("bindto"),
        Just("retry"),
        Just("nb_get_retry"),
        Just("delay_loop"),
        Just("warmup"),
        Just("http_protocol"),
        Just("misc_path"),
        Just("user"),
        Just("type"),
        Just("name"),
        Just("payload"),
        Just("require_reply"),
        Just("track_file"),
        Just("status_code"),
        Just("path"),
        Just("bogus_keyword"),
    ];
    let values = prop_oneof![
        Just(""),
        Just("rr"),
        Just("TUN type gue port 80"),
        Just("NAT"),
        Just("TCP"),
        Just("198.18.0.9 80"),
        Just("fd00::1"),
        Just("300.1.1.1"),
        Just("0"),
        Just("3"),
        Just("1.5"),
        Just("-2 reverse"),
        Just("yes"),
        Just("maybe"),
        Just("\"/bin/true a\" root root"),
        Just("0aXx 1"),
        Just("zz"),
        Just("200-299 404"),
        Just("A"),
        Just("1.0C"),
        Just("x..y"),
    ];
    (keywords, values).prop_map(|(k, v)| format!("{k} {v}\n"))
}

fn lvs_like() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        Just("TCP_CHECK"),
        Just("HTTP_GET"),
        Just("MISC_CHECK"),
        Just("SMTP_CHECK"),
        Just("DNS_CHECK"),
        Just("UDP_CHECK"),
        Just("FILE_CHECK"),
        Just("BFD_CHECK"),
    ];
    let lines = || proptest::collection::vec(lvs_line(), 0..6).prop_map(|v| v.concat());
    (lines(), lines(), kind, lines(), lines()).prop_map(|(vs, rs, kind, ck, url)| {
        format!(
            "virtual_server 198.18.0.1 80 {{\n{vs}real_server 198.18.0.2 80 {{\n{rs}{kind} {{\n{ck}url {{\n{url}}}\nhost {{\n{url}}}\n}}\n}}\n}}\n"
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn dump_of_virtual_servers_reads_back(text in lvs_like()) {
        let parsed = keepalived::parse_str("p.conf", &text, &opts());
        let once = keepalived::dump(&parsed.value);
        let again = keepalived::parse_str("d.conf", &once, &opts());
        prop_assert_eq!(keepalived::dump(&again.value), once, "input:\n{}", text);
    }
}

#[test]
fn dump_of_every_corpus_file_reads_back() {
    for f in crate::corpus::files() {
        let parsed = keepalived::parse_file(&f, &opts());
        let once = keepalived::dump(&parsed.value);
        if once.contains('$') {
            // keepalived has no escape for `$`: a dumped `${_PWD}` would expand.
            continue;
        }
        let again = keepalived::parse_str("dump.conf", &once, &opts());
        assert_eq!(keepalived::dump(&again.value), once, "{}", f.display());
    }
}
