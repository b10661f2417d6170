//! Log-format strings (configuration.txt 8.2.4): `%var`, `%{flags}var`,
//! `%[sample]`, `%%`. HAProxy parses them when it loads the configuration
//! and refuses unknown variables and HTTP variables in TCP proxies.

/// Variables; the `true` ones exist only in HTTP mode (flag `H` in 8.2.4).
const VARIABLES: &[(&str, bool)] = &[
    ("o", false),
    ("B", false),
    ("CC", true),
    ("CS", true),
    ("H", false),
    ("HM", true),
    ("HP", true),
    ("HPO", true),
    ("HQ", true),
    ("HU", true),
    ("HV", true),
    ("ID", false),
    ("ST", false),
    ("T", false),
    ("Ta", true),
    ("Tc", false),
    ("Td", false),
    ("Tl", false),
    ("Th", false),
    ("Ti", true),
    ("Tq", true),
    ("TR", true),
    ("Tr", true),
    ("Ts", false),
    ("Tt", false),
    ("Tu", false),
    ("Tw", false),
    ("U", false),
    ("ac", false),
    ("b", false),
    ("bc", false),
    ("bi", false),
    ("bp", false),
    ("bq", false),
    ("ci", false),
    ("cp", false),
    ("f", false),
    ("fc", false),
    ("fi", false),
    ("fp", false),
    ("ft", false),
    ("lc", false),
    ("hr", false),
    ("hrl", false),
    ("hs", false),
    ("hsl", false),
    ("ms", false),
    ("pid", false),
    ("r", true),
    ("rc", false),
    ("rt", false),
    ("s", false),
    ("sc", false),
    ("si", false),
    ("sp", false),
    ("sq", false),
    ("t", false),
    ("tr", true),
    ("trg", true),
    ("trl", true),
    ("ts", false),
    ("tsc", true),
];

/// Checks a log-format string for a proxy in HTTP mode (`http`) or not.
pub(crate) fn check(fmt: &str, http: bool) -> Result<(), String> {
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        match b.get(i) {
            None => return Err("truncated line after '%'".to_owned()),
            Some(b'%') => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let mut flags = false;
        if b[i] == b'{' {
            let Some(end) = fmt[i..].find('}') else {
                return Err(format!("missing '}}' near '{}'", &fmt[i - 1..]));
            };
            i += end + 1;
            flags = true;
        }
        if b.get(i) == Some(&b'[') {
            let Some(end) = fmt[i..].find(']') else {
                return Err(format!("missing ']' after '{}'", &fmt[i + 1..]));
            };
            i += end + 1;
            continue;
        }
        let len = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        if len == 0 {
            return Err(if flags {
                "parse argument modifier without variable name".to_owned()
            } else {
                format!("unexpected variable name near '{}'", &fmt[i..])
            });
        }
        let name = &fmt[i..i + len];
        match VARIABLES.iter().find(|(v, _)| *v == name) {
            None => return Err(format!("no such format variable '{name}'")),
            Some((_, true)) if !http => {
                return Err(format!(
                    "format variable '{name}' is reserved for HTTP mode"
                ));
            }
            Some(_) => {}
        }
        i += len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn formats_are_checked_as_haproxy_does() {
        // Each case checked against haproxy 2.6 in http and tcp mode.
        for (fmt, http_ok, tcp_ok) in [
            ("%ci", true, true),
            ("%xyz", false, false),
            ("%tsc", true, false),
            ("%Tsx", false, false),
            ("%[src]", true, true),
            ("%{+Q}r", true, false),
            ("%%", true, true),
            ("a%", false, false),
            ("%{+Q}", false, false),
            ("%ci:%cp [%tr] %ft %b/%s", true, false),
            ("%HM", true, false),
            ("%ci%[src", false, false),
            ("%1", false, false),
        ] {
            assert_eq!(check(fmt, true).is_ok(), http_ok, "{fmt} (http)");
            assert_eq!(check(fmt, false).is_ok(), tcp_ok, "{fmt} (tcp)");
        }
    }
}
