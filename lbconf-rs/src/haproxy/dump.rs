//! The normalized text of a configuration: conditions resolved, variables
//! expanded, comments and blank lines dropped, one statement per line with
//! canonical quoting. Parsing the dump gives the same model (spans aside).

use super::model::Config;

/// The normalized configuration as `haproxy.cfg` text.
pub fn dump(config: &Config) -> String {
    let mut out = String::new();
    for (i, s) in config.sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(s.kind.keyword());
        if let Some(n) = &s.name {
            out.push(' ');
            out.push_str(&quote(&n.value));
        }
        if let Some(f) = &s.from {
            out.push_str(" from ");
            out.push_str(&quote(&f.value));
        }
        out.push('\n');
        for st in &s.statements {
            out.push_str("    ");
            let words: Vec<String> = st.words().map(|w| quote(w.value)).collect();
            out.push_str(&words.join(" "));
            out.push('\n');
        }
    }
    out
}

/// Quotes a word so that HAProxy's tokenizer gives it back unchanged.
pub(crate) fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| !c.is_control() && !matches!(c, ' ' | '#' | '\'' | '"' | '\\' | '$'));
    if plain {
        return word.to_owned();
    }
    if !word.contains('\'') && !word.chars().any(char::is_control) {
        return format!("'{word}'");
    }
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::lexer::split_line;
    use super::*;
    use crate::source::FileId;

    #[test]
    fn quoted_words_split_back_to_themselves() {
        for w in [
            "plain",
            "",
            "a b",
            "it's",
            "#x",
            "$HOME",
            "tab\there",
            "nl\nx",
            "q\"'\\$",
            "\u{1}",
            "é ü",
        ] {
            let q = quote(w);
            let l = split_line(&q, FileId(0), 0, &|_| None);
            assert_eq!(l.error, None, "{q}");
            let got: Vec<String> = l.words.into_iter().map(|x| x.value).collect();
            assert_eq!(got, vec![w.to_owned()], "{q}");
        }
    }
}
