//! Conditional expressions of `.if` and `.elif` (configuration.txt 2.4).
//!
//! `expr := and ('||' and)*`, `and := term ('&&' term)*`,
//! `term := '!' term | '(' expr ')' | integer | predicate [ '(' args ')' ]`.
//! Predicates of HAProxy 2.6: `defined`, `feature`, `streq`, `strneq`,
//! `version_atleast`, `version_before`.

/// What a condition is evaluated against.
pub(crate) struct CondEnv<'a> {
    pub(crate) defined: &'a dyn Fn(&str) -> bool,
    pub(crate) features: &'a [String],
    pub(crate) version: &'a str,
}

/// Why a condition could not be evaluated, with the byte position in the
/// expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CondError {
    pub(crate) message: String,
    pub(crate) pos: usize,
}

/// Evaluates `text` (the words after `.if`, joined by spaces). An empty
/// condition is false.
pub(crate) fn eval(text: &str, env: &CondEnv<'_>) -> Result<bool, CondError> {
    let mut p = Parser {
        s: text,
        pos: 0,
        env,
    };
    p.skip_ws();
    if p.pos >= text.len() {
        return Ok(false);
    }
    let v = p.or_expr(0)?;
    p.skip_ws();
    if let Some(c) = text[p.pos..].chars().next() {
        return Err(CondError {
            message: format!(
                "unexpected character '{c}' at the end of conditional expression '{text}'"
            ),
            pos: p.pos,
        });
    }
    Ok(v)
}

const MAX_DEPTH: usize = 64;

struct Parser<'a, 'e> {
    s: &'a str,
    pos: usize,
    env: &'a CondEnv<'e>,
}

impl Parser<'_, '_> {
    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with([' ', '\t']) {
            self.pos += 1;
        }
    }

    fn unparsable(&self) -> CondError {
        CondError {
            message: format!("unparsable conditional expression '{}'", self.s),
            pos: self.pos,
        }
    }

    fn or_expr(&mut self, depth: usize) -> Result<bool, CondError> {
        let mut v = self.and_expr(depth)?;
        loop {
            self.skip_ws();
            if !self.s[self.pos..].starts_with("||") {
                return Ok(v);
            }
            self.pos += 2;
            let r = self.and_expr(depth)?;
            v = v || r;
        }
    }

    fn and_expr(&mut self, depth: usize) -> Result<bool, CondError> {
        let mut v = self.term(depth)?;
        loop {
            self.skip_ws();
            if !self.s[self.pos..].starts_with("&&") {
                return Ok(v);
            }
            self.pos += 2;
            let r = self.term(depth)?;
            v = v && r;
        }
    }

    fn term(&mut self, depth: usize) -> Result<bool, CondError> {
        if depth > MAX_DEPTH {
            return Err(CondError {
                message: format!("conditional expression '{}' is nested too deeply", self.s),
                pos: self.pos,
            });
        }
        self.skip_ws();
        let rest = &self.s[self.pos..];
        if rest.starts_with('!') {
            self.pos += 1;
            return Ok(!self.term(depth + 1)?);
        }
        if rest.starts_with('(') {
            self.pos += 1;
            let v = self.or_expr(depth + 1)?;
            self.skip_ws();
            if !self.s[self.pos..].starts_with(')') {
                return Err(CondError {
                    message: format!("expected ')' in conditional expression '{}'", self.s),
                    pos: self.pos,
                });
            }
            self.pos += 1;
            return Ok(v);
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let v = rest[..digits].bytes().any(|d| d != b'0');
            self.pos += digits;
            return Ok(v);
        }
        let name_len = rest
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        let name = &rest[..name_len];
        let arity = match name {
            "defined" | "feature" | "version_atleast" | "version_before" => 1,
            "streq" | "strneq" => 2,
            _ => return Err(self.unparsable()),
        };
        self.pos += name_len;
        let args = if self.s[self.pos..].starts_with('(') {
            self.pos += 1;
            self.args()?
        } else {
            Vec::new()
        };
        if args.len() != arity {
            return Err(CondError {
                message: format!(
                    "missing arguments (got {}/{arity}), type 'string' expected in argument {} of predicate '{name}' used in conditional expression",
                    args.len().min(arity),
                    args.len().min(arity) + 1
                ),
                pos: self.pos,
            });
        }
        Ok(match name {
            "defined" => (self.env.defined)(&args[0]),
            // HAProxy 2.6 searches the feature string; an empty name is
            // found (checked against Debian's 2.6.12).
            "feature" => args[0].is_empty() || self.env.features.iter().any(|f| *f == args[0]),
            "streq" => args[0] == args[1],
            "strneq" => args[0] != args[1],
            "version_atleast" => version_key(self.env.version) >= version_key(&args[0]),
            _ => version_key(self.env.version) < version_key(&args[0]),
        })
    }

    /// Comma-separated arguments up to the closing parenthesis, with quotes
    /// and backslashes handled as HAProxy's argument parser does.
    fn args(&mut self) -> Result<Vec<String>, CondError> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut chars = self.s[self.pos..].char_indices();
        let mut quote: Option<char> = None;
        while let Some((i, c)) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (None, '\'' | '"') => quote = Some(c),
                (q, '\\') if q != Some('\'') => {
                    if let Some((_, n)) = chars.next() {
                        cur.push(n);
                    }
                }
                (None, ',') => out.push(std::mem::take(&mut cur)),
                (None, ')') => {
                    out.push(cur);
                    self.pos += i + 1;
                    return Ok(out);
                }
                (_, c) => cur.push(c),
            }
        }
        Err(CondError {
            message: format!("missing closing ')' in conditional expression '{}'", self.s),
            pos: self.s.len(),
        })
    }
}

/// A comparable key for a version string like `2.4-dev19` or `2.6.12`:
/// four numbers (missing ones are zero), then the stage (dev < pre < rc <
/// release) and its number.
fn version_key(v: &str) -> ([u64; 4], u8, u64) {
    let (nums, stage) = v.split_once('-').unwrap_or((v, ""));
    let mut n = [0u64; 4];
    for (slot, part) in n.iter_mut().zip(nums.split('.')) {
        *slot = leading_number(part);
    }
    let (rank, num) = if let Some(r) = stage.strip_prefix("dev") {
        (0, leading_number(r))
    } else if let Some(r) = stage.strip_prefix("pre") {
        (1, leading_number(r))
    } else if let Some(r) = stage.strip_prefix("rc") {
        (2, leading_number(r))
    } else {
        (3, 0)
    };
    (n, rank, num)
}

fn leading_number(s: &str) -> u64 {
    let d = s.bytes().take_while(u8::is_ascii_digit).count();
    s[..d].parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<bool, CondError> {
        let features = vec!["OPENSSL".to_owned(), "LUA".to_owned()];
        let env = CondEnv {
            defined: &|n| n == "HOME",
            features: &features,
            version: "2.6.12-1+deb12u4",
        };
        eval(text, &env)
    }

    #[test]
    fn expressions_evaluate_as_in_haproxy() {
        for (text, want) in [
            ("", false),
            ("0", false),
            ("1", true),
            ("007", true),
            ("!0&&!(0||0)", true),
            ("1 && 0", false),
            ("0 || 1 && 1", true),
            ("feature(OPENSSL) && (streq(a,a) || 0)", true),
            ("feature(QUIC)", false),
            ("feature()", true),
            ("version_atleast()", true),
            ("defined(HOME)", true),
            ("!defined(NOPE)", true),
            ("strneq(\"a,b\",a)", true),
            ("streq('a)',a\\))", true),
            ("version_atleast(2.6.12)", true),
            ("version_atleast(abc)", true),
            ("version_before(2.6.12-dev1)", false),
            ("version_atleast(2.4-dev19)", true),
            ("version_before(2.7)", true),
        ] {
            assert_eq!(run(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn bad_expressions_are_errors() {
        assert!(run("yes").unwrap_err().message.contains("unparsable"));
        assert!(
            run("enabled(POLL)").is_err(),
            "2.8's predicate is not in 2.6"
        );
        let e = run("1 1").unwrap_err();
        assert_eq!(e.pos, 2);
        assert!(run("streq(a)").unwrap_err().message.contains("got 1/2"));
        assert!(run("(1").is_err());
        assert!(run("defined(HOME").is_err());
        assert!(run(&"!".repeat(500)).is_err());
        assert!(run(&"(".repeat(500)).is_err());
    }
}
