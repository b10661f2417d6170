//! Prints the expanded configuration in a normalized form: one statement per
//! line, blocks indented by four spaces, sections in a fixed order, values
//! quoted when they contain blanks or characters the lexer or the macro layer
//! treats specially (so the dump reads back as the same statements).

use std::fmt::Write as _;

use super::model::*;

mod lvs;

pub(super) fn word(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '{' | '}' | '\\'))
        && !s.starts_with(['#', '!', '@', '$', '~'])
        && !s.starts_with("include");
    if plain {
        return s.to_owned();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn settings(out: &mut String, items: &[Setting], depth: usize) {
    for s in items {
        setting(out, s, depth);
    }
}

fn setting(out: &mut String, s: &Setting, depth: usize) {
    let pad = "    ".repeat(depth);
    let _ = write!(out, "{pad}{}", word(&s.keyword.value));
    for a in &s.args {
        let _ = write!(out, " {}", word(&a.value));
    }
    match &s.block {
        Some(b) => {
            out.push_str(" {\n");
            settings(out, b, depth + 1);
            let _ = writeln!(out, "{pad}}}");
        }
        None => out.push('\n'),
    }
}

fn section(out: &mut String, head: &str, body: &[Setting]) {
    let _ = writeln!(out, "{head} {{");
    settings(out, body, 1);
    out.push_str("}\n");
}

/// The normalized text of `c`.
pub fn dump(c: &Config) -> String {
    let mut out = String::new();
    for g in &c.global_defs {
        section(&mut out, "global_defs", &g.settings);
    }
    for s in &c.vrrp_scripts {
        section(
            &mut out,
            &format!("vrrp_script {}", word(&s.name.value)),
            &s.settings,
        );
    }
    for t in &c.track_files {
        section(
            &mut out,
            &format!("vrrp_track_file {}", word(&t.name.value)),
            &t.settings,
        );
    }
    for g in &c.sync_groups {
        section(
            &mut out,
            &format!("vrrp_sync_group {}", word(&g.name.value)),
            &g.settings,
        );
    }
    for i in &c.instances {
        section(
            &mut out,
            &format!("vrrp_instance {}", word(&i.name.value)),
            &i.settings,
        );
    }
    for g in &c.virtual_server_groups {
        section(
            &mut out,
            &format!("virtual_server_group {}", word(&g.name.value)),
            &g.members,
        );
    }
    for v in &c.virtual_servers {
        let head = match &v.target.value {
            VsTarget::Addr(ip, port) => format!("virtual_server {ip} {port}"),
            VsTarget::Fwmark(m) => format!("virtual_server fwmark {m}"),
            VsTarget::Group(g) => format!("virtual_server group {}", word(g)),
        };
        let _ = writeln!(out, "{head} {{");
        lvs::virtual_server(&mut out, v);
        out.push_str("}\n");
    }
    settings(&mut out, &c.other, 0);
    out
}
