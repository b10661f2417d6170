//! The getsockopt answers (`ipvs::sockopt`): whatever bytes the kernel left
//! in the buffer decode to entries or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ipvs::sockopt::decode_num_services(data);
    if let Ok(services) = ipvs::sockopt::decode_services(data) {
        assert!(services.len() <= data.len() / 104);
    }
    if let Ok(dests) = ipvs::sockopt::decode_dests(data) {
        assert!(dests.len() <= data.len() / 96);
        for d in dests {
            assert!(i32::try_from(d.settings.weight).is_ok());
        }
    }
});
