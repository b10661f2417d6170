//! `lbconf`: checks `keepalived.conf` and `haproxy.cfg` files the way
//! `keepalived -t` and `haproxy -c` do, and prints their expanded form.
//!
//! ```text
//! lbconf check [--kind keepalived|haproxy] [--config-id ID] FILE
//! lbconf dump [--json] [--kind keepalived|haproxy] [--config-id ID] FILE
//! ```
//!
//! `check` prints every diagnostic and exits 0 exactly when the real tool's
//! configuration test would accept the file, 1 when it would not, and 2 when
//! the command line is wrong or the file cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lbconf::{Diagnostic, Parsed, SourceMap, haproxy, keepalived};

const USAGE: &str = "\
usage: lbconf check [--kind keepalived|haproxy] [--config-id ID] FILE
       lbconf dump [--json] [--kind keepalived|haproxy] [--config-id ID] FILE

  check   print every diagnostic; exit 0 when keepalived -t / haproxy -c would
          accept FILE, 1 when they would not
  dump    print the expanded, normalized configuration (--json: as JSON)

  --kind       the file's format; guessed from its name and content when omitted
  --config-id  keepalived's config id for @id conditional lines (default: the
               short host name)
";

/// Which format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keepalived,
    Haproxy,
}

#[derive(Debug)]
struct Args {
    command: Command,
    kind: Option<Kind>,
    config_id: Option<String>,
    json: bool,
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Check,
    Dump,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(
        args.first().map(String::as_str),
        Some("-h" | "--help" | "help")
    ) {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse_args(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("lbconf: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut utf8 = true;
    let text = match std::fs::read(&args.file) {
        Ok(bytes) => String::from_utf8(bytes).unwrap_or_else(|e| {
            utf8 = false;
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }),
        Err(e) => {
            eprintln!("lbconf: cannot read {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let kind = args.kind.unwrap_or_else(|| guess_kind(&args.file, &text));
    match kind {
        Kind::Keepalived => {
            let opts = keepalived::Options {
                config_id: args.config_id.clone(),
                ..keepalived::Options::default()
            };
            // The file is read once: the parser takes the text read above.
            let parsed = keepalived::parse_text(&args.file, text, &opts);
            let accepted = keepalived::accepted(&parsed);
            let code = finish(&args, &parsed, accepted, "keepalived -t", keepalived::dump);
            // The process ends here: freeing a large model piece by piece
            // would only cost time.
            std::mem::forget(parsed);
            code
        }
        Kind::Haproxy => {
            let opts = haproxy::Options::default();
            // Read once, as for keepalived; `parse_file` reports text that
            // is not UTF-8.
            let parsed = if utf8 {
                haproxy::parse_text(&args.file, text, &opts)
            } else {
                haproxy::parse_file(&args.file, &opts)
            };
            let accepted = haproxy::accepted(&parsed);
            let code = finish(&args, &parsed, accepted, "haproxy -c", haproxy::dump);
            std::mem::forget(parsed);
            code
        }
    }
}

fn finish<T: serde::Serialize>(
    args: &Args,
    parsed: &Parsed<T>,
    accepted: bool,
    oracle: &str,
    dump: fn(&T) -> String,
) -> ExitCode {
    print_diagnostics(&parsed.diagnostics, &parsed.sources);
    match args.command {
        Command::Check => {
            let (errors, warnings) = count(&parsed.diagnostics);
            let verdict = if accepted { "accepted" } else { "rejected" };
            eprintln!(
                "{}: {verdict} ({errors} errors, {warnings} warnings; as `{oracle}` would judge it)",
                args.file.display()
            );
        }
        Command::Dump if args.json => match serde_json::to_string_pretty(&parsed.value) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("lbconf: cannot serialize the configuration: {e}");
                return ExitCode::from(2);
            }
        },
        Command::Dump => print!("{}", dump(&parsed.value)),
    }
    if accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap) {
    for d in diagnostics {
        eprintln!("{}", lbconf::render(d, sources));
    }
}

fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == lbconf::Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == lbconf::Severity::Warning)
        .count();
    (errors, warnings)
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    let command = match it.next().map(String::as_str) {
        Some("check") => Command::Check,
        Some("dump") => Command::Dump,
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("give a command: check or dump".to_owned()),
    };
    let mut kind = None;
    let mut config_id = None;
    let mut json = false;
    let mut file = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--kind" => {
                kind = Some(match it.next().map(String::as_str) {
                    Some("keepalived") => Kind::Keepalived,
                    Some("haproxy") => Kind::Haproxy,
                    Some(other) => {
                        return Err(format!("--kind takes keepalived or haproxy, not {other:?}"));
                    }
                    None => return Err("--kind needs a value: keepalived or haproxy".to_owned()),
                });
            }
            "--config-id" => {
                let id = it.next().ok_or("--config-id needs a value")?;
                config_id = Some(id.clone());
            }
            "--json" if command == Command::Dump => json = true,
            opt if opt.starts_with('-') && opt.len() > 1 => {
                return Err(format!("unknown option {opt:?}"));
            }
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => return Err(format!("one FILE only; {extra:?} is one too many")),
        }
    }
    let file = file.ok_or("give the configuration FILE")?;
    Ok(Args {
        command,
        kind,
        config_id,
        json,
        file,
    })
}

/// The format of `path`: from its name when that says (`*keepalived*`,
/// `*.cfg`), else from its content.
fn guess_kind(path: &Path, text: &str) -> Kind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.contains("keepalived") {
        Kind::Keepalived
    } else if name.ends_with(".cfg") || (haproxy::looks_like(text) && !keepalived::looks_like(text))
    {
        Kind::Haproxy
    } else {
        Kind::Keepalived
    }
}
