//! Snapshot comparison shared by the keepalived and haproxy test binaries
//! (each includes this file with `#[path]`).

use std::path::Path;

/// Compares `actual` with the snapshot file `dir/name`, recording a failure
/// when they differ or the file is missing. With `LBCONF_BLESS=1` it writes
/// the snapshot instead.
pub(crate) fn compare(dir: &Path, name: &str, actual: &str, failures: &mut Vec<String>) {
    let path = dir.join(name);
    if std::env::var("LBCONF_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{name} changed:\n--- expected\n{expected}--- actual\n{actual}"
        )),
        Err(e) => failures.push(format!(
            "{name}: {e} (run with LBCONF_BLESS=1 to create it)"
        )),
    }
}
