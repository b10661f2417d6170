//! Redis, PostgreSQL, MySQL and TLS replies, tcp-check patterns, hex, and
//! FILE_CHECK contents.
#![no_main]

use healthcheck::reply::proto;
use healthcheck::spec::TcpPattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = proto::redis_reply(data);
    let _ = proto::pgsql_reply(data);
    let _ = proto::ssl_hello_reply(data);
    if let Ok(Some((_, payload, used))) = proto::mysql_packet(data) {
        assert!(used <= data.len());
        let _ = proto::mysql_handshake(payload);
        let _ = proto::mysql_login_reply(payload);
    }
    let _ = proto::file_outcome(data, 7, true);
    let _ = proto::file_outcome(data, 0, false);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = proto::decode_hex(text);
        let _ = proto::tcp_expect(b"+OK ready\r\n", &TcpPattern::Regex(text.to_owned()));
    }
    let _ = proto::tcp_expect(data, &TcpPattern::Binary(vec![0, 1]));
});
