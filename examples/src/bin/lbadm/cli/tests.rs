use super::*;

fn argv(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

#[test]
fn clustered_short_options_and_defaults() {
    let c = parse("ipvsadm", &argv("-At 198.18.0.1:80 -p")).unwrap();
    assert_eq!(c.cmd, Cmd::Add);
    assert_eq!(c.timeout, 360);
    assert_eq!(c.sched, "wlc");
    let s = c.service();
    assert_eq!(s.settings.netmask_prefix, 32);
    let c = parse("ipvsadm", &argv("-a -t [fd00::1]:53 -r fd00::2 -m -w 0")).unwrap();
    assert_eq!(c.dest().key.port, 53);
    assert_eq!(c.dest().settings.weight, 0);
    let c = parse("ipvsadm", &argv("-Ln --stats")).unwrap();
    assert_eq!(c.format, fmt::NUMERIC | fmt::STATS);
}

#[test]
fn ipvsadm_messages() {
    let e = |s: &str| parse("ipvsadm", &argv(s)).unwrap_err();
    assert_eq!(
        e("-A -t 198.18.0.1").msg,
        "Zero port specified for non-persistent service"
    );
    assert_eq!(
        e("-A -t 198.18.0.1:80 -r 198.18.0.2").msg,
        "Illegal 'real-server' option with the 'add-service' command"
    );
    assert_eq!(
        e("-a -t 198.18.0.1:80").msg,
        "You need to supply the 'real-server' option for the 'add-server' command"
    );
    assert_eq!(
        e("-a -t 198.18.0.1:80 -r fd00::1").msg,
        "Different address family is allowed only for tunneling servers"
    );
    assert_eq!(
        e("-A -t 198.18.0.1:80 -s sh -b mh-port").msg,
        "incompatible scheduler flag `mh-port'"
    );
    assert_eq!(
        e("-L -c --timeout").msg,
        "The option 'timeout' conflicts with the 'connection' option in the 'list' command"
    );
    assert_eq!(e("-t 198.18.0.1:80").code, 255);
    assert_eq!(
        e("-A -t 198.18.0.1:80 -w 3").msg,
        "Illegal 'weight' option with the 'add-service' command"
    );
    assert_eq!(
        e("-a -t 198.18.0.1:80 -r 198.18.0.2 -i --tun-type gue").msg,
        "You need to supply the 'tun-port' option for the 'gue' tunnel type"
    );
    assert_eq!(e("--set 1 2").msg, "--set option requires 3 timeout values");
    assert_eq!(e("-C extra").msg, "unexpected argument extra");
    assert_eq!(
        e("-A -t 198.18.0.1:80 -s rr -s wlc").msg,
        "multiple 'scheduler' options specified"
    );
}
