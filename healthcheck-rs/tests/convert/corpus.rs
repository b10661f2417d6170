//! Every file of lbconf's corpora that the real tool accepts converts
//! without a panic: into specs, or into errors that name a keyword and a
//! place in the file.

use std::path::{Path, PathBuf};

use healthcheck::convert::{self, ConvertError};

fn corpus(kind: &str, ext: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lbconf-rs/tests")
        .join(kind)
        .join("corpus/valid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the {kind} corpus is missing");
    files
}

fn located(e: &ConvertError, file: &Path) {
    assert!(!e.keyword().is_empty(), "{e}");
    let text = e.to_string();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        text.contains(&format!("{name}:")),
        "{e} does not point into {name}"
    );
}

#[test]
fn keepalived_corpus() {
    let opts = lbconf::keepalived::Options {
        config_id: Some("lb1".to_owned()),
        // The namespace the corpus was judged in (see lbconf's oracle tests).
        interfaces: Some(vec!["lo".to_owned(), "eth0".to_owned(), "eth1".to_owned()]),
        host_names: Some(vec!["localhost".to_owned()]),
    };
    let (mut specs, mut refused, mut files) = (0, 0, 0);
    for file in corpus("keepalived", "conf") {
        let parsed = lbconf::keepalived::parse_file(&file, &opts);
        if !lbconf::keepalived::accepted(&parsed) {
            continue;
        }
        files += 1;
        match convert::keepalived(&parsed) {
            Ok(checks) => {
                for c in &checks {
                    let vs = &parsed.value.virtual_servers[c.virtual_server];
                    let rs = &vs.real_servers[c.real_server];
                    assert_eq!(
                        rs.checkers[c.checker].kind.value.keyword(),
                        c.kind,
                        "{}",
                        file.display()
                    );
                    assert_eq!(c.real_server_addr.ip(), rs.address.value);
                }
                specs += checks.len();
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in &errors {
                    located(e, &file);
                }
                refused += 1;
            }
        }
    }
    assert!(files >= 10, "only {files} corpus files parsed as accepted");
    assert!(specs > 0, "no checker in {files} files ({refused} refused)");
}

#[test]
fn haproxy_corpus() {
    let (mut specs, mut files) = (0, 0);
    for file in corpus("haproxy", "cfg") {
        let opts = lbconf::haproxy::Options {
            base_dir: file.parent().map(Path::to_path_buf),
            ..lbconf::haproxy::Options::default()
        };
        let parsed = lbconf::haproxy::parse_file(&file, &opts);
        if !lbconf::haproxy::accepted(&parsed) {
            continue;
        }
        files += 1;
        match convert::haproxy(&parsed) {
            Ok(checks) => {
                for c in &checks {
                    assert!(!c.proxy.is_empty() && !c.server.is_empty(), "{c:?}");
                }
                specs += checks.len();
            }
            Err(errors) => {
                for e in &errors {
                    located(e, &file);
                }
            }
        }
    }
    assert!(files >= 5, "only {files} corpus files parsed as accepted");
    assert!(specs > 0, "no server check in {files} files");
}
