//! The reply decoder takes whatever the kernel (or anything posing as it)
//! sends: it must return an error, never panic, loop or over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(replies) = ipvs::wire::decode(data) {
        // Everything decoded is well-formed enough to re-encode where the
        // wire format allows it.
        for r in replies {
            if let ipvs::wire::Reply::Service { service, .. } = &r {
                let _ = ipvs::wire::new_service(service).emit(0x20, r.seq(), false);
            }
        }
    }
});
