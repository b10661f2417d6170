//! keepalived.conf: any input parses without panicking or hanging, the syntax
//! tree prints back the input byte for byte, and the normalized dump reads
//! back to the same dump.
#![no_main]

use lbconf::keepalived::{self, Options, SyntaxTree};
use lbconf::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tree = SyntaxTree::parse(FileId(0), text);
    assert_eq!(tree.to_string(), text, "the syntax tree is not lossless");
    let opts = Options {
        config_id: Some("fuzz".into()),
        interfaces: Some(vec!["lo".into(), "eth0".into()]),
        host_names: Some(vec!["localhost".into()]),
    };
    // Relative includes resolve from a directory that has no config files.
    let parsed = keepalived::parse_str("/nonexistent-lbconf-fuzz/k.conf", text, &opts);
    let _ = keepalived::accepted(&parsed);
    let once = keepalived::dump(&parsed.value);
    if once.contains('$') {
        // keepalived has no escape for `$`: a dumped `${_PWD}` would expand.
        return;
    }
    let again = keepalived::parse_str("/nonexistent-lbconf-fuzz/d.conf", &once, &opts);
    assert_eq!(keepalived::dump(&again.value), once, "the dump does not read back");
});
