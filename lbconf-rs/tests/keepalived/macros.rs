//! The macro layer: includes, conditionals, parameters and blocks, and the
//! origins diagnostics report for expanded text.

use std::path::Path;

use lbconf::keepalived::{self, Options};

fn opts(id: &str) -> Options {
    Options {
        config_id: Some(id.into()),
        interfaces: Some(vec!["lo".into(), "eth0".into(), "eth1".into()]),
        host_names: Some(vec!["localhost".into()]),
    }
}

fn instance(vip: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 1\n    priority 100\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

#[test]
fn conditional_lines_follow_the_config_id() {
    let text = "global_defs {\n    @a router_id ra\n    @b router_id rb\n    @^a vrrp_strict\n}\n";
    let a = keepalived::parse_str("c.conf", text, &opts("a")).value;
    assert_eq!(a.global_defs[0].router_id.as_ref().unwrap().value, "ra");
    assert!(!a.global_defs[0].vrrp_strict);
    let b = keepalived::parse_str("c.conf", text, &opts("b")).value;
    assert_eq!(b.global_defs[0].router_id.as_ref().unwrap().value, "rb");
    assert!(b.global_defs[0].vrrp_strict);
}

#[test]
fn parameters_substitute_at_use_time_and_recursively() {
    let text = "$BASE=198.18.${SUB}\n$SUB=0\n$P=42\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id $P\n    priority 100\n    virtual_ipaddress {\n        ${BASE}.1/24\n        $SUB=9\n        ${BASE}.2/24\n    }\n}\n";
    let p = keepalived::parse_str("p.conf", text, &opts("x"));
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
    let i = &p.value.instances[0];
    assert_eq!(i.virtual_router_id.as_ref().unwrap().value, 42);
    let vips: Vec<String> = i
        .virtual_ipaddress
        .iter()
        .map(|v| v.address.value.to_string())
        .collect();
    assert_eq!(vips, ["198.18.0.1", "198.18.9.2"]);
    // `$NAME` needs a blank after it; undefined names stay as written.
    let q = keepalived::parse_str(
        "q.conf",
        "$P=1\nglobal_defs {\n    router_id $Pxyz\n    router_id \"${UNDEF}\"\n}\n",
        &opts("x"),
    );
    let ids: Vec<&str> = q.value.global_defs[0]
        .settings
        .iter()
        .map(|s| s.args[0].value.as_str())
        .collect();
    assert_eq!(ids, ["$Pxyz", "${UNDEF}"]);
    assert!(keepalived::accepted(&q), "{:?}", q.diagnostics);
}

#[test]
fn multi_line_definitions_expand_to_several_blocks() {
    let text = "$VI= \\\nvrrp_instance VI_${N} { \\\n interface eth0 \\\n virtual_router_id ${N} \\\n virtual_ipaddress { \\\n  198.18.1.${N}/24 \\\n } \\\n}\n$N=1\n$VI\n$N=2\n$VI\n";
    let p = keepalived::parse_str("m.conf", text, &opts("x"));
    let names: Vec<&str> = p
        .value
        .instances
        .iter()
        .map(|i| i.name.value.as_str())
        .collect();
    assert_eq!(names, ["VI_1", "VI_2"], "{:?}", p.diagnostics);
    assert!(keepalived::accepted(&p), "{:?}", p.diagnostics);
}

#[test]
fn seq_and_lst_blocks_expand_in_order() {
    let text = instance(
        "~SEQ(I, 1, 2, 5) 198.18.2.${I}/24\n        ~LST({A, B}, {3, 4}, {5, 6}) 198.18.${A}.${B}/24\n        ~SEQ(J, 2) ~SEQ(K, 7, 8) 198.18.${J}.${K}/24",
    );
    let p = keepalived::parse_str("s.conf", &text, &opts("x"));
    let vips: Vec<String> = p.value.instances[0]
        .virtual_ipaddress
        .iter()
        .map(|v| v.address.value.to_string())
        .collect();
    assert_eq!(
        vips,
        [
            "198.18.2.1",
            "198.18.2.3",
            "198.18.2.5",
            "198.18.3.4",
            "198.18.5.6",
            "198.18.1.7",
            "198.18.1.8",
            "198.18.2.7",
            "198.18.2.8"
        ]
    );
    let hex = keepalived::parse_str(
        "h.conf",
        &instance("~SEQx(H, 0x90, 0x10, 0xa0) fd00::${H}/64"),
        &opts("x"),
    );
    let vips: Vec<String> = hex.value.instances[0]
        .virtual_ipaddress
        .iter()
        .map(|v| v.address.value.to_string())
        .collect();
    assert_eq!(vips, ["fd00::90", "fd00::a0"]);
}

/// `~SEQ`'s numbers as keepalived 2.2.7 reads them (each list checked with
/// `keepalived -t` on a line `~SEQ(...) kw_${N}`, whose "Unknown keyword"
/// messages name the values).
#[test]
fn seq_numbers_are_read_as_keepalived_reads_them() {
    let values = |spec: &str| -> Vec<String> {
        let text = format!(
            "$LAST=3\n$TWO=2\n{}",
            instance(&format!("{spec} 198.18.${{N}}.1/24"))
        );
        let p = keepalived::parse_str("n.conf", &text, &opts("x"));
        assert!(keepalived::accepted(&p), "{spec}: {:?}", p.diagnostics);
        p.value.instances[0]
            .virtual_ipaddress
            .iter()
            .map(|v| {
                v.address
                    .value
                    .to_string()
                    .split('.')
                    .nth(2)
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        values("~SEQ(N, 010)"),
        ["1", "2", "3", "4", "5", "6", "7", "8"]
    );
    assert_eq!(values("~SEQ(N, 0x3)"), ["1", "2", "3"]);
    assert_eq!(values("~SEQ(N, , 3)"), ["0", "1", "2", "3"]);
    assert_eq!(values("~SEQ(N, 0)"), ["1", "0"]);
    assert_eq!(values("~SEQ(N, $LAST)"), ["1", "2", "3"]);
    assert_eq!(values("~SEQ(N, $TWO, ${LAST})"), ["2", "3"]);
    assert_eq!(values("~SEQ (N, 1, 2)"), ["1", "2"]);
    assert_eq!(values("~SEQ(N 1 2)"), ["1", "2"]);
    assert_eq!(values("~SEQ(N, 5, -2, 1)"), ["5", "3", "1"]);
    assert_eq!(values("~SEQ(N, 2, -1, 2)"), ["2"]);
    assert_eq!(values("~SEQ(N, +2)"), ["1", "2"]);
    for bad in [
        "~SEQ(N, 70000, 2, 16)",
        "~SEQ(N, 2, -1, 5)",
        "~SEQ(N, 1, , 3)",
        "~SEQ(N, 3x)",
        "~SEQ(N, 1, 2, 3, 4)",
        "~SEQ(N)",
        "~SEQ(, 1, 3)",
        "~SEQx(N, -1, 2)",
        "~SEQ N, 1, 3",
    ] {
        let p = keepalived::parse_str(
            "b.conf",
            &instance(&format!("{bad} 198.18.${{N}}.1/24")),
            &opts("x"),
        );
        assert!(
            p.diagnostics.iter().any(|d| d.code == "K0006"),
            "{bad}: {:?}",
            p.diagnostics
        );
    }
}

/// The pre-defined definitions of keepalived.conf(5): `${_PWD}`,
/// `${_INSTANCE}`, `${_RANDOM [MIN [MAX]]}`, `${_ENV NAME}`, `${_HASH}`,
/// `${_BANG}`.
#[test]
fn predefined_definitions_expand() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let file = dir.join("builtins.conf");
    let text = "global_defs {\n    router_id ${_PWD}\n    router_id ${_INSTANCE}\n    router_id ${_RANDOM 7 7}\n    router_id ${_RANDOM 1 3}\n    router_id ${_RANDOM}\n    router_id ${_ENV CARGO_MANIFEST_DIR}\n    router_id x${_ENV LBCONF_SURELY_UNSET_VARIABLE}y\n    router_id a${_HASH}b${_BANG}c\n}\n";
    let p = keepalived::parse_str(&file.display().to_string(), text, &opts("node7"));
    let ids: Vec<&str> = p.value.global_defs[0]
        .settings
        .iter()
        .map(|s| s.args[0].value.as_str())
        .collect();
    let pwd = std::fs::canonicalize(&dir).expect("tests dir");
    assert_eq!(ids[0], pwd.display().to_string());
    assert_eq!(ids[1], "node7");
    assert_eq!(ids[2], "7");
    let r: u32 = ids[3].parse().expect("a number");
    assert!((1..=3).contains(&r), "{r}");
    let r: u32 = ids[4].parse().expect("a number");
    assert!(r <= 32767, "{r}");
    // Cargo sets CARGO_MANIFEST_DIR for the test process too.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
    assert_eq!(ids[5], manifest);
    assert_eq!(ids[6], "xy");
    assert_eq!(ids[7], "a#b!c");
    // `_ENV` without a name is no definition: the text stays as written.
    let q = keepalived::parse_str(
        "q.conf",
        "global_defs {\n    router_id \"${_ENV}\"\n}\n",
        &opts("x"),
    );
    assert_eq!(q.value.global_defs[0].settings[0].args[0].value, "${_ENV}");
}

#[test]
fn include_cycles_and_missing_files_are_reported() {
    let dir = tempdir("cycle");
    std::fs::write(dir.join("a.conf"), "include b.conf\n").unwrap();
    std::fs::write(
        dir.join("b.conf"),
        "include a.conf\nglobal_defs {\n    router_id x\n}\n",
    )
    .unwrap();
    let p = keepalived::parse_file(&dir.join("a.conf"), &opts("x"));
    assert!(
        p.diagnostics.iter().any(|d| d.code == "K0012"),
        "{:?}",
        p.diagnostics
    );
    assert_eq!(p.value.global_defs.len(), 1, "b.conf is read once");
    let missing = keepalived::parse_str("m.conf", "includea nothing-here-*.conf\n", &opts("x"));
    assert_eq!(missing.diagnostics[0].code, "K0010");
    // keepalived 2.2.7 itself exits 0 for an include that matches nothing.
    assert!(keepalived::accepted(&missing));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diagnostics_point_at_the_included_file() {
    let dir = tempdir("origin");
    std::fs::write(dir.join("main.conf"), "# main\ninclude sub/*.conf\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/x.conf"),
        instance("198.18.0.1/24").replace("priority 100", "priority 300"),
    )
    .unwrap();
    let p = keepalived::parse_file(&dir.join("main.conf"), &opts("x"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "K0103")
        .expect("priority out of range");
    let at = p.sources.locate(d.span().unwrap());
    assert!(at.ends_with("sub/x.conf:4:14"), "{at}");
    assert_eq!(p.sources.slice(d.span().unwrap()), "300");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn substituted_values_point_at_their_line() {
    let text = "$PRIO=300\n".to_owned()
        + &instance("198.18.0.1/24").replace("priority 100", "priority $PRIO");
    let p = keepalived::parse_str("v.conf", &text, &opts("x"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "K0103")
        .expect("priority out of range");
    assert_eq!(p.sources.locate(d.span().unwrap()), "v.conf:5:1");
    assert_eq!(p.sources.slice(d.span().unwrap()).trim(), "priority $PRIO");
    // Words written verbatim on a substituted line keep their own position.
    let i = &p.value.instances[0];
    let kw = i
        .settings
        .iter()
        .find(|s| s.keyword.value == "priority")
        .unwrap();
    assert_eq!(p.sources.locate(kw.keyword.span), "v.conf:5:5");
    assert_eq!(p.sources.slice(kw.keyword.span), "priority");
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("lbconf-ka-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    assert!(Path::new(&d).is_dir());
    d
}

#[test]
fn values_from_a_multi_line_definition_point_into_the_definition() {
    let text = "$VI= \\\nvrrp_instance VI_${N} { \\\n    interface eth0 \\\n    virtual_router_id ${N} \\\n    priority 300 \\\n    virtual_ipaddress { \\\n        198.18.1.${N}/24 \\\n    } \\\n}\n$N=1\n$VI\n";
    let p = keepalived::parse_str("t.conf", text, &opts("x"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "K0103")
        .expect("priority out of range");
    assert_eq!(p.sources.locate(d.span().unwrap()), "t.conf:5:14");
    assert_eq!(p.sources.slice(d.span().unwrap()), "300");
    // A value made by substitution points at its template line.
    let vrid = p.value.instances[0].virtual_router_id.as_ref().unwrap();
    assert_eq!(vrid.value, 1);
    assert_eq!(p.sources.locate(vrid.span), "t.conf:4:1");
}

#[test]
fn conditional_multi_line_definitions() {
    let text = "@a $P= \\\n    priority 10 \\\n    advert_int 2\n@^a $P= \\\n    priority 20 \\\n    advert_int 3\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 1\n    $P\n    virtual_ipaddress {\n        198.18.0.1/24\n    }\n}\n";
    let p = keepalived::parse_str("c.conf", text, &opts("a"));
    let i = &p.value.instances[0];
    assert_eq!(i.priority.as_ref().unwrap().value, 10);
    assert_eq!(i.advert_int.as_ref().unwrap().value, 2.0);
    // As in keepalived 2.2.7, a false `@id` drops the first line only: the
    // continuation lines are read as top-level statements.
    let unknown: Vec<&str> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == "K0100")
        .map(|d| p.sources.slice(d.span().unwrap()))
        .collect();
    assert_eq!(unknown, ["priority", "advert_int"]);
}

/// Plain lines (no `$` in the file) are lexed in place, the others through
/// the macro layer's line lexer: both read every corpus file, and lines
/// with quotes, `\r`, comments and braces in odd places, the same way. A
/// `$` in a trailing comment sends the whole file the slow way.
#[test]
fn plain_lines_read_as_the_line_lexer_reads_them() {
    let mut texts: Vec<(String, String)> = crate::corpus::files()
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    for (i, t) in [
        "virtual_server 198.18.0.1 80 {\r\n  lb_algo rr\r\r\n  real_server 198.18.0.2 80 {\r\n    weight 1 \r\n  }\r\n}\r\n",
        "global_defs {\n  router_id \"lb 1\"\r\n  notification_email { a@b 'c d' }\n}\n",
        "global_defs {\n  router_id a\"b c\"d  # trailing\n  smtp_server 198.18.0.1 x\"y\r\n}\n",
        "vrrp_instance V { state BACKUP } } {\n\t\x0binterface eth0 ! comment \"\n  priority 1}\n",
        "virtual_server 198.18.0.1 80 {\n  real_server 198.18.0.2 80 { TCP_CHECK { connect_timeout 3 } }\n}",
        "  \r\n\t\n   # only comments \"\n! x\nglobal_defs{router_id é\"ü\"}\n\"unterminated\n",
    ]
    .into_iter()
    .enumerate()
    {
        texts.push((format!("inline {i}"), t.to_owned()));
    }
    let o = opts("a");
    for (name, text) in texts {
        let fast = keepalived::parse_str(&name, &text, &o);
        let slow = keepalived::parse_str(&name, &format!("{text}\n# $\n"), &o);
        assert_eq!(fast.value, slow.value, "{name}");
        assert_eq!(
            format!("{:?}", fast.diagnostics),
            format!("{:?}", slow.diagnostics),
            "{name}"
        );
    }
}

/// Parameters that refer to each other never settle: keepalived loops on
/// them for ever (so this cannot be an oracle corpus file); lbconf reports
/// it.
#[test]
fn parameters_referring_to_each_other_are_reported() {
    let text = "$A=$B\n$B=$A\nglobal_defs {\n    router_id $A\n}\n";
    let p = keepalived::parse_str("loop.conf", text, &opts("x"));
    assert!(
        p.diagnostics.iter().any(|d| d.code == "K0008"),
        "{:?}",
        p.diagnostics
    );
}
