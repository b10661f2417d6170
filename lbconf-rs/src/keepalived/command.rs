//! Script lines (`misc_path`, `script`, `notify*`) as keepalived splits them
//! into a program and its arguments before running them without a shell.

/// Splits a script line as keepalived does (`misc_path`, `vrrp_script`'s
/// `script`, the `notify` scripts): words separated by blanks, `"..."` and
/// `'...'` quoting, `\` escaping the next character. `None` on an unclosed
/// quote or a trailing `\`.
pub fn split_command(line: &str) -> Option<Vec<String>> {
    let mut argv = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                word.push(chars.next()?);
                in_word = true;
            }
            '"' | '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        c if c == ch => break,
                        '\\' if ch == '"' => word.push(chars.next()?),
                        c => word.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    argv.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        argv.push(word);
    }
    Some(argv)
}

#[cfg(test)]
mod tests {
    use super::split_command;

    #[test]
    fn command_lines_split_like_keepalived() {
        let s = |l: &str| split_command(l).unwrap();
        assert_eq!(s("/bin/check a  b"), ["/bin/check", "a", "b"]);
        assert_eq!(
            s(r#"/bin/check "a b" 'c d' e\ f"#),
            ["/bin/check", "a b", "c d", "e f"]
        );
        assert_eq!(s(r#"x "say \"hi\"""#), ["x", "say \"hi\""]);
        assert_eq!(s("x ''"), ["x", ""]);
        assert!(s("   ").is_empty());
        assert_eq!(split_command("x \"open"), None);
        assert_eq!(split_command("x \\"), None);
    }

    #[test]
    fn splits_like_keepalived() {
        let w = |l: &str| split_command(l).unwrap();
        assert_eq!(w("/bin/check  -x 1"), ["/bin/check", "-x", "1"]);
        assert_eq!(
            w(r#"/bin/sh -c 'echo "a b" > f'"#),
            ["/bin/sh", "-c", r#"echo "a b" > f"#]
        );
        assert_eq!(w(r#"a "b c"d e\ f"#), ["a", "b cd", "e f"]);
        assert_eq!(w("a ''"), ["a", ""]);
        assert!(w("   ").is_empty());
        assert_eq!(split_command("a 'b"), None);
    }
}
