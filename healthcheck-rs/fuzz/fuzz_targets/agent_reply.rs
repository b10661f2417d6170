//! HAProxy agent-check replies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reply) = healthcheck::reply::agent::parse(data) {
        let _ = reply.outcome().to_string();
    }
});
