//! HTTP response head, framing, chunked bodies and every expectation kind.
#![no_main]

use healthcheck::reply::http;
use healthcheck::spec::{HttpExpect, HttpRule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = http::decode_chunked(data, 1 << 16);
    let Ok(Some(head)) = http::parse_head(data) else {
        return;
    };
    let body = &data[head.body_start..];
    if let Ok(http::Framing::Chunked) = head.framing() {
        let _ = http::decode_chunked(body, 1 << 16);
    }
    let expects = [
        HttpExpect::is(HttpRule::Status(vec![(200, 299), (300, 399)])),
        HttpExpect::is(HttpRule::StatusRegex("^2".into())),
        HttpExpect::is(HttpRule::BodyContains("ok".into())),
        HttpExpect::is(HttpRule::BodyRegex("[a-z]+ok".into())),
        HttpExpect::is(HttpRule::BodyMd5("d41d8cd98f00b204e9800998ecf8427e".into())),
        HttpExpect {
            negate: true,
            rule: HttpRule::Header {
                name: "server".into(),
                value: Some("x".into()),
            },
        },
    ];
    let _ = http::check(&head, body, &[]);
    for e in &expects {
        let _ = http::check(&head, body, std::slice::from_ref(e));
    }
});
