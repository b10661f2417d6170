//! `option httpchk`, `http-check` and `tcp-check` rules of a proxy.

use lbconf::Span;
use lbconf::haproxy::{ProxyOption, Spanned};

use super::ProxyCx;
use crate::convert::ConvertError;
use crate::spec::{
    Connect, HttpCheck, HttpExpect, HttpRequest, HttpRule, HttpVersion, TcpPattern, TcpRule,
    TcpSeq, Tls,
};

impl ProxyCx<'_> {
    /// `option httpchk` and the `http-check` rules.
    pub(super) fn http(
        &self,
        option: Option<&ProxyOption>,
        connect: Connect,
        tls: Option<Tls>,
        errors: &mut Vec<ConvertError>,
    ) -> Option<HttpCheck> {
        let n = errors.len();
        let mut check = HttpCheck {
            connect,
            tls,
            ..HttpCheck::default()
        };
        let mut first = HttpRequest {
            method: "OPTIONS".to_owned(),
            path: "/".to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            expect: Vec::new(),
        };
        if let Some(o) = option {
            let args: Vec<&str> = o.args.iter().map(|a| a.value.as_str()).collect();
            let (method, uri, version) = match args.as_slice() {
                [] => (None, None, None),
                [uri] => (None, Some(*uri), None),
                [m, uri] => (Some(*m), Some(*uri), None),
                [m, uri, rest @ ..] => (Some(*m), Some(*uri), Some(rest.join(" "))),
            };
            if let Some(m) = method {
                first.method = m.to_owned();
            }
            if let Some(u) = uri {
                first.path = u.to_owned();
            }
            if let Some(v) = version {
                // Old style: "HTTP/1.1\r\nHost:\ www" puts headers after the version.
                let mut parts = v.split("\r\n");
                match self.version(parts.next().unwrap_or(""), "option httpchk", o.span) {
                    Ok(ver) => check.version = ver,
                    Err(e) => errors.push(e),
                }
                for h in parts.filter(|h| !h.is_empty()) {
                    match h.split_once(':') {
                        Some((k, v)) => first
                            .headers
                            .push((k.trim().to_owned(), v.trim().to_owned())),
                        None => errors.push(self.invalid(
                            "option httpchk",
                            o.span,
                            format!("header {h:?} has no colon"),
                        )),
                    }
                }
            }
        }
        let mut requests = vec![first];
        let mut sent = false;
        for rule in self.rules(|p| &p.http_checks) {
            let action = rule.action.value.as_str();
            let kw = format!("http-check {action}");
            match action {
                "send" => {
                    let mut req = if sent {
                        HttpRequest {
                            method: "OPTIONS".to_owned(),
                            path: "/".to_owned(),
                            headers: Vec::new(),
                            body: Vec::new(),
                            expect: Vec::new(),
                        }
                    } else {
                        requests.pop().unwrap_or_else(|| HttpRequest::get("/"))
                    };
                    sent = true;
                    let mut it = rule.args.iter();
                    while let Some(a) = it.next() {
                        let mut value = || it.next().map(|v| v.value.clone());
                        match a.value.as_str() {
                            "meth" => req.method = value().unwrap_or_default(),
                            "uri" => req.path = value().unwrap_or_default(),
                            "ver" => {
                                match self.version(&value().unwrap_or_default(), &kw, a.span) {
                                    Ok(v) => check.version = v,
                                    Err(e) => errors.push(e),
                                }
                            }
                            "hdr" => {
                                let name = value().unwrap_or_default();
                                let v = value().unwrap_or_default();
                                req.headers.push((name, v));
                            }
                            "body" => req.body = value().unwrap_or_default().into_bytes(),
                            "comment" => {
                                value();
                            }
                            other @ ("uri-lf" | "body-lf") => {
                                errors.push(self.unsupported(
                                    &format!("{kw} {other}"),
                                    a.span,
                                    "log-format expressions need HAProxy's sample fetches; write the value literally",
                                ));
                                value();
                            }
                            other => errors.push(self.unsupported(
                                &format!("{kw} {other}"),
                                a.span,
                                "unknown `http-check send` argument",
                            )),
                        }
                    }
                    requests.push(req);
                }
                "expect" => match self.expect_args(&rule.args, &kw, rule.span, true) {
                    Ok((negate, pattern)) => {
                        let rule = match pattern {
                            Pattern::Http(rule) => rule,
                            Pattern::Tcp(TcpPattern::String(s)) => HttpRule::BodyContains(s),
                            Pattern::Tcp(TcpPattern::Regex(r)) => HttpRule::BodyRegex(r),
                            Pattern::Tcp(TcpPattern::Binary(_)) => {
                                errors.push(self.unsupported(
                                    &kw,
                                    rule.span,
                                    "binary patterns are for tcp-check",
                                ));
                                continue;
                            }
                        };
                        if let Some(last) = requests.last_mut() {
                            last.expect.push(HttpExpect { negate, rule });
                        }
                    }
                    Err(e) => errors.push(e),
                },
                "connect" => {
                    if let Some(a) = rule
                        .args
                        .iter()
                        .find(|a| !matches!(a.value.as_str(), "default" | "linger"))
                    {
                        errors.push(self.unsupported(
                            &format!("{kw} {}", a.value),
                            a.span,
                            "the HTTP probe connects once per request to the server (or `addr`/`port`); set those on the server line",
                        ));
                    }
                }
                "comment" => {}
                "disable-on-404" => errors.push(self.unsupported(
                    &kw,
                    rule.span,
                    "a 404 would need a third state (drain); expect the status you want instead",
                )),
                _ => errors.push(self.unsupported(
                    &kw,
                    rule.span,
                    "variables and other rules need HAProxy's sample fetches",
                )),
            }
        }
        check.requests = requests;
        (errors.len() == n).then_some(check)
    }

    fn version(&self, v: &str, keyword: &str, span: Span) -> Result<HttpVersion, ConvertError> {
        match v {
            "HTTP/1.0" => Ok(HttpVersion::Http10),
            "HTTP/1.1" => Ok(HttpVersion::Http11),
            other => Err(self.unsupported(
                keyword,
                span,
                format!("HTTP version {other:?}: the probe speaks HTTP/1.0 and HTTP/1.1"),
            )),
        }
    }

    /// `option tcp-check` and the `tcp-check` rules.
    pub(super) fn tcp_seq(
        &self,
        connect: Connect,
        tls: Option<Tls>,
        errors: &mut Vec<ConvertError>,
    ) -> Option<TcpSeq> {
        let n = errors.len();
        let mut rules = Vec::new();
        for rule in self.rules(|p| &p.tcp_checks) {
            let action = rule.action.value.as_str();
            let kw = format!("tcp-check {action}");
            match action {
                "connect" => {
                    let mut port = None;
                    let mut ssl = false;
                    let mut sni = None;
                    let mut it = rule.args.iter();
                    while let Some(a) = it.next() {
                        match a.value.as_str() {
                            "port" => match it.next().map(|p| p.value.parse::<u16>()) {
                                Some(Ok(p)) => port = Some(p),
                                _ => errors.push(self.invalid(&kw, a.span, "`port` needs a number from 0 to 65535")),
                            },
                            "ssl" => ssl = true,
                            "sni" => sni = it.next().map(|s| s.value.clone()),
                            "default" | "linger" => {}
                            "comment" => {
                                it.next();
                            }
                            other => errors.push(self.unsupported(
                                &format!("{kw} {other}"),
                                a.span,
                                "the probe connects to the server's address (or `addr`) with only port, ssl and sni",
                            )),
                        }
                    }
                    let tls = match (ssl, &tls) {
                        (true, Some(t)) => Some(Tls { sni: sni.or_else(|| t.sni.clone()), ..t.clone() }),
                        (true, None) => Some(Tls { sni, ..Tls::default() }),
                        (false, _) => None,
                    };
                    rules.push(TcpRule::Connect { port, tls });
                }
                "send" | "send-binary" => {
                    let Some(arg) = rule.args.iter().find(|a| a.value != "comment") else {
                        errors.push(self.invalid(&kw, rule.span, "nothing to send"));
                        continue;
                    };
                    if action == "send" {
                        rules.push(TcpRule::Send(arg.value.clone().into_bytes()));
                    } else {
                        match crate::reply::proto::decode_hex(&arg.value) {
                            Ok(b) => rules.push(TcpRule::Send(b)),
                            Err(m) => errors.push(self.invalid(&kw, arg.span, m.detail)),
                        }
                    }
                }
                "send-lf" | "send-binary-lf" => errors.push(self.unsupported(&kw, rule.span, "log-format expressions need HAProxy's sample fetches; write the bytes literally")),
                "expect" => match self.expect_args(&rule.args, &kw, rule.span, false) {
                    Ok((negate, Pattern::Tcp(pattern))) => rules.push(TcpRule::Expect { negate, pattern }),
                    Ok((_, Pattern::Http(_))) => errors.push(self.unsupported(&kw, rule.span, "HTTP patterns are for http-check")),
                    Err(e) => errors.push(e),
                },
                "comment" => {}
                _ => errors.push(self.unsupported(&kw, rule.span, "variables and other rules need HAProxy's sample fetches")),
            }
        }
        // check-ssl applies to the implicit connection before the first rule.
        if let Some(t) = tls {
            if !matches!(rules.first(), Some(TcpRule::Connect { .. })) {
                rules.insert(
                    0,
                    TcpRule::Connect {
                        port: None,
                        tls: Some(t),
                    },
                );
            }
        }
        (errors.len() == n).then_some(TcpSeq { connect, rules })
    }

    /// `expect [options] [!] MATCH PATTERN` of `http-check` (`http`) or
    /// `tcp-check`.
    fn expect_args(
        &self,
        args: &[Spanned<String>],
        kw: &str,
        span: Span,
        http: bool,
    ) -> Result<(bool, Pattern), ConvertError> {
        let mut negate = false;
        let mut i = 0;
        while let Some(a) = args.get(i) {
            match a.value.as_str() {
                "ok-status" | "error-status" | "tout-status" | "on-success" | "on-error"
                | "status-code" | "comment" => i += 2,
                "min-recv" => {
                    return Err(self.unsupported(
                        &format!("{kw} min-recv"),
                        a.span,
                        "the probes match whatever has arrived; drop min-recv",
                    ));
                }
                "!" => {
                    negate = true;
                    i += 1;
                }
                _ => break,
            }
        }
        let Some(matcher) = args.get(i) else {
            return Err(self.invalid(kw, span, "no match keyword (status, string, rstring, ...)"));
        };
        let rest = &args[i + 1..];
        let pattern = rest.first().map(|p| p.value.clone());
        let need = |p: Option<String>| {
            p.ok_or_else(|| {
                self.invalid(
                    kw,
                    matcher.span,
                    format!("`{}` needs a pattern", matcher.value),
                )
            })
        };
        let m = matcher.value.as_str();
        Ok((
            negate,
            match (m, http) {
                ("string", _) => Pattern::Tcp(TcpPattern::String(need(pattern)?)),
                ("rstring", _) => Pattern::Tcp(TcpPattern::Regex(need(pattern)?)),
                ("binary", false) => {
                    let hex = need(pattern)?;
                    Pattern::Tcp(TcpPattern::Binary(
                        crate::reply::proto::decode_hex(&hex)
                            .map_err(|e| self.invalid(kw, matcher.span, e.detail))?,
                    ))
                }
                ("status", true) => Pattern::Http(HttpRule::Status(self.statuses(
                    &need(pattern)?,
                    kw,
                    matcher.span,
                )?)),
                ("rstatus", true) => Pattern::Http(HttpRule::StatusRegex(need(pattern)?)),
                ("hdr", true) => {
                    let mut name = None;
                    let mut value = None;
                    let mut it = rest.iter();
                    while let Some(a) = it.next() {
                        match a.value.as_str() {
                            "name" => name = it.next().map(|v| v.value.clone()),
                            "value" => value = it.next().map(|v| v.value.clone()),
                            other => {
                                return Err(self.unsupported(
                                    &format!("{kw} hdr {other}"),
                                    a.span,
                                    "only `hdr name N [value V]` (exact name, substring value) is supported",
                                ));
                            }
                        }
                    }
                    let name =
                        name.ok_or_else(|| self.invalid(kw, matcher.span, "`hdr` needs `name N`"))?;
                    Pattern::Http(HttpRule::Header { name, value })
                }
                (other, _) => {
                    return Err(self.unsupported(
                        &format!("{kw} {other}"),
                        matcher.span,
                        if http {
                            "supported: status, rstatus, string, rstring, hdr"
                        } else {
                            "supported: string, rstring, binary"
                        },
                    ));
                }
            },
        ))
    }

    /// `200`, `200-299`, `200,301-302` → inclusive ranges.
    fn statuses(&self, text: &str, kw: &str, span: Span) -> Result<Vec<(u16, u16)>, ConvertError> {
        text.split(',')
            .map(|part| {
                let (lo, hi) = part.split_once('-').unwrap_or((part, part));
                match (lo.trim().parse::<u16>(), hi.trim().parse::<u16>()) {
                    (Ok(lo), Ok(hi)) if lo <= hi => Ok((lo, hi)),
                    _ => Err(self.invalid(
                        kw,
                        span,
                        format!("status {part:?} is not a code or a range like 200-399"),
                    )),
                }
            })
            .collect()
    }
}

enum Pattern {
    Tcp(TcpPattern),
    Http(HttpRule),
}
