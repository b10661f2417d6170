//! Redis, PostgreSQL, MySQL, TLS and UDP replies, tcp-check patterns, hex
//! (HAProxy's and keepalived's), and FILE_CHECK contents.
#![no_main]

use healthcheck::reply::proto;
use healthcheck::spec::{TcpPattern, UdpCheck};
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
    let udp = UdpCheck {
        require_reply: true,
        expect: Some(vec![(0xc0, 0xf0), (0x01, 0xff)]),
        ..UdpCheck::default()
    };
    let _ = proto::udp_reply(data, &udp);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = proto::decode_hex(text);
        if let Ok(bytes) = proto::keepalived_hex(text) {
            assert!(bytes.len() <= text.len());
        }
        let _ = proto::tcp_expect(b"+OK ready\r\n", &TcpPattern::Regex(text.to_owned()));
    }
    let _ = proto::tcp_expect(data, &TcpPattern::Binary(vec![0, 1]));
});
