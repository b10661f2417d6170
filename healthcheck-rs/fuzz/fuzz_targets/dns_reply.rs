//! DNS replies to a fixed query.
#![no_main]

use healthcheck::reply::dns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let id = data
        .get(..2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let Ok(query) = dns::build_query(id, "www.example.test", "A") else {
        return;
    };
    let _ = dns::check_reply(&query, data);
});
