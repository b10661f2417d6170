//! `vrrp_instance` blocks.

use super::Builder;
use crate::diagnostic::Diagnostic;
use crate::keepalived::keywords as kw;
use crate::keepalived::model::*;

impl Builder {
    pub(super) fn instance(&mut self, s: &Setting) -> VrrpInstance {
        let mut v = VrrpInstance {
            name: self.name(s),
            ..VrrpInstance::default()
        };
        for x in self.block(s) {
            match x.keyword.value.as_str() {
                "state" => {
                    if let Some(a) = self.arg(&x) {
                        let st = match a.value {
                            "MASTER" => Some(State::Master),
                            "BACKUP" => Some(State::Backup),
                            _ => None,
                        };
                        match st {
                            Some(value) => {
                                v.state = Some(Spanned {
                                    value,
                                    span: a.span,
                                });
                            }
                            None => self.diags.push(
                                Diagnostic::error("K0110", format!("unknown state `{}`", a.value))
                                    .with_label(a.span, "expected MASTER or BACKUP")
                                    .with_help(
                                        "write `state MASTER` or `state BACKUP` (upper case)",
                                    ),
                            ),
                        }
                    }
                }
                "interface" => v.interface = self.string(&x),
                "virtual_router_id" => v.virtual_router_id = self.int(&x, 1, 255),
                "priority" => v.priority = self.int(&x, 1, 255),
                "advert_int" => {
                    v.advert_int = self.timer(&x, 255.0);
                    if let Some(a) = v.advert_int.as_ref().filter(|a| a.value < 0.01) {
                        self.diags.push(
                            Diagnostic::error(
                                "K0112",
                                format!("advert_int {} is below 0.01 seconds", a.value),
                            )
                            .with_label(a.span, "must be 0.01-255")
                            .with_help("use an interval from 0.01 to 255 seconds (1 is usual)"),
                        );
                        v.advert_int = None;
                    }
                }
                "version" => v.version = self.int(&x, 2, 3),
                "authentication" => v.authentication = Some(self.auth(&x)),
                "virtual_ipaddress" => v.virtual_ipaddress = self.vips(&x),
                "virtual_ipaddress_excluded" => v.virtual_ipaddress_excluded = self.vips(&x),
                "virtual_routes" => v.virtual_routes = x.block.clone().unwrap_or_default(),
                "unicast_src_ip" => {
                    if let Some(a) = self.arg(&x) {
                        v.unicast_src_ip = self.ip(a);
                    }
                }
                "unicast_peer" => {
                    for e in x.block.iter().flatten() {
                        if let Some(ip) = self.ip(e.keyword.as_arg()) {
                            v.unicast_peer.push(ip);
                        }
                    }
                }
                k if k.starts_with("track_") && k != "track_src_ip" => {
                    Self::tracks(&x, &mut v.tracks);
                }
                "nopreempt" => v.nopreempt = true,
                "preempt_delay" => v.preempt_delay = self.timer(&x, 1000.0),
                "garp_master_delay" => v.garp_master_delay = self.int(&x, 0, 255),
                "use_vmac" => {
                    v.use_vmac = Some(x.args.first().cloned().unwrap_or_else(|| Spanned {
                        value: String::new(),
                        span: x.keyword.span,
                    }));
                }
                "accept" => v.accept = true,
                k if (k.starts_with("notify_") || k == "notify")
                    && k != "notify_priority_changes" =>
                {
                    self.notify(&x, &mut v.notify);
                }
                k if kw::INSTANCE.contains(&k) => {}
                _ => self.unknown(&x, kw::INSTANCE, "vrrp_instance"),
            }
            v.settings.push(x);
        }
        v
    }

    fn auth(&mut self, x: &Setting) -> Authentication {
        let mut a = Authentication {
            auth_type: None,
            auth_pass: None,
        };
        for e in self.block(x) {
            match e.keyword.value.as_str() {
                "auth_type" => {
                    if let Some(t) = self.arg(&e) {
                        let value = match t.value {
                            "PASS" => Some(AuthType::Pass),
                            "AH" => Some(AuthType::Ah),
                            _ => None,
                        };
                        match value {
                            Some(value) => {
                                a.auth_type = Some(Spanned {
                                    value,
                                    span: t.span,
                                });
                            }
                            None => self.diags.push(
                                Diagnostic::error(
                                    "K0111",
                                    format!("unknown auth_type `{}`", t.value),
                                )
                                .with_label(t.span, "expected PASS or AH")
                                .with_help("write `auth_type PASS` or `auth_type AH`"),
                            ),
                        }
                    }
                }
                "auth_pass" => a.auth_pass = self.string(&e),
                _ => self.unknown(&e, kw::AUTH, "authentication"),
            }
        }
        a
    }

    fn vips(&mut self, x: &Setting) -> Vec<VirtualIp> {
        let mut out = Vec::new();
        for e in x.block.iter().flatten() {
            let Some(address) = self.ip(e.keyword.as_arg()) else {
                continue;
            };
            let prefix: Option<u8> = e
                .keyword
                .value
                .split_once('/')
                .and_then(|(_, p)| p.parse().ok());
            let max = if address.value.is_ipv6() { 128 } else { 32 };
            if let Some((_, p)) = e.keyword.value.split_once('/')
                && prefix.is_none_or(|n| n > max)
            {
                self.diags.push(
                    Diagnostic::error(
                        "K0113",
                        format!("prefix length /{p} is not valid for {}", address.value),
                    )
                    .with_label(e.keyword.span, format!("must be 0-{max}"))
                    .with_help(format!("use a prefix length from 0 to {max}")),
                );
            }
            const OPTIONS: &[&str] = &[
                "dev",
                "scope",
                "label",
                "brd",
                "broadcast",
                "peer",
                "home",
                "-nodad",
                "nodad",
                "noprefixroute",
                "autojoin",
                "track",
                "no_track",
            ];
            let mut k = 0;
            while let Some(a) = e.args.get(k) {
                if !OPTIONS.contains(&a.value.as_str()) {
                    self.diags.push(
                        Diagnostic::error("K0115", format!("unknown option `{}` for a virtual address", a.value))
                            .with_label(a.span, "keepalived ignores this entry")
                            .with_help("options are dev, scope, label, brd, peer, home, -nodad, noprefixroute, autojoin, no_track"),
                    );
                    break;
                }
                let takes_value = matches!(
                    a.value.as_str(),
                    "dev" | "scope" | "label" | "brd" | "broadcast" | "peer"
                );
                k += if takes_value { 2 } else { 1 };
            }
            let opt = |name: &str| {
                e.args
                    .iter()
                    .position(|a| a.value == name)
                    .and_then(|i| e.args.get(i + 1))
                    .map(|a| a.value.clone())
            };
            out.push(VirtualIp {
                address,
                prefix,
                dev: opt("dev"),
                scope: opt("scope"),
                label: opt("label"),
                brd: opt("brd"),
                span: e.span,
            });
        }
        out
    }
}
