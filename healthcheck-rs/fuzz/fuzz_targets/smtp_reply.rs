//! SMTP replies, several in a row.
#![no_main]

use healthcheck::reply::smtp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    for _ in 0..16 {
        match smtp::parse(rest) {
            Ok(Some(r)) => {
                assert!(r.consumed > 0 && r.consumed <= rest.len());
                let _ = smtp::expect(&r, "fuzz", |c| c / 100 == 2);
                rest = &rest[r.consumed..];
            }
            _ => return,
        }
    }
});
