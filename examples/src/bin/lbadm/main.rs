//! `lbadm`: ipvsadm 1.31's command line and output, rebuilt on the `ipvs`
//! crate. `lbadm -R` reads what `ipvsadm -S` writes and applies it as one
//! batched, pipelined netlink conversation.

mod cli;
mod fast;
mod numbers;
mod resolve;
mod show;
mod usage;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use ipvs::{Client, Error, Op, ServiceKey};

use cli::{Cmd, Command, Exit, fmt, opt};

/// What `-v` prints.
pub(crate) const VERSION: &str = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)";

/// What `-h` prints.
pub(crate) use usage::usage;

/// Which libipvs call failed, for `ipvs_strerror`'s messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Func {
    AddService,
    UpdateService,
    DelService,
    ZeroService,
    AddDest,
    UpdateDest,
    DelDest,
    StartDaemon,
    StopDaemon,
    GetServices,
    Other,
}

/// `ipvs_strerror`.
fn strerror(func: Func, errno: i32) -> String {
    use Func::*;
    let specific = match (func, errno) {
        (AddService, libc::EEXIST) => Some("Service already exists"),
        (AddService | UpdateService, libc::ENOENT) => {
            Some("Scheduler or persistence engine not found")
        }
        (UpdateService | DelService | ZeroService | GetServices, libc::ESRCH) => {
            Some("No such service")
        }
        (AddDest | UpdateDest | DelDest, libc::ESRCH) => Some("Service not defined"),
        (AddDest, libc::EEXIST) => Some("Destination already exists"),
        (UpdateDest | DelDest, libc::ENOENT) => Some("No such destination"),
        (StartDaemon, libc::EEXIST) => Some("Daemon has already run"),
        (StopDaemon, libc::ESRCH) => Some("No daemon is running"),
        (_, libc::EPERM) => Some("Permission denied (you must be root)"),
        (_, libc::EINVAL) => {
            Some("Invalid operation.  Possibly wrong module version, address not unicast, ...")
        }
        (_, libc::ENOPROTOOPT) => Some("Protocol not available"),
        (_, libc::ENOMEM) => Some("Memory allocation problem"),
        (_, libc::EOPNOTSUPP) => Some("Operation not supported with IPv6"),
        (_, libc::EAFNOSUPPORT) => Some("Operation not supported with specified address family"),
        (_, libc::EMSGSIZE) => Some("Module is wrong version"),
        _ => None,
    };
    specific.map_or_else(|| ipvs::strerror(errno).to_string(), str::to_string)
}

fn err_text(func: Func, e: &Error) -> String {
    match e.errno() {
        Some(n) => strerror(func, n),
        None => e.to_string(),
    }
}

fn op_func(op: &Op) -> Func {
    match op {
        Op::AddService(_) => Func::AddService,
        Op::EditService(_) => Func::UpdateService,
        Op::DelService(_) => Func::DelService,
        Op::AddDest(..) => Func::AddDest,
        Op::EditDest(..) => Func::UpdateDest,
        Op::DelDest(..) => Func::DelDest,
    }
}

/// The table operation a command is, if it is one.
fn as_op(c: &Command) -> Option<Op> {
    Some(match c.cmd {
        Cmd::Add => Op::AddService(c.service()),
        Cmd::Edit => Op::EditService(c.service()),
        Cmd::Del => Op::DelService(c.key()),
        Cmd::AddDest => Op::AddDest(c.key(), c.dest()),
        Cmd::EditDest => Op::EditDest(c.key(), c.dest()),
        Cmd::DelDest => Op::DelDest(c.key(), c.dest_key()),
        _ => return None,
    })
}

struct Out {
    stdout: String,
    stderr: String,
}

/// Runs one command; `Err` ends the program with that status.
fn run(ipvs: &mut Client, c: &Command, out: &mut Out) -> Result<i32, Exit> {
    let list_fail = |func, e: &Error| Exit {
        msg: err_text(func, e),
        code: 1,
    };
    match c.cmd {
        Cmd::List | Cmd::Save => {
            let mut format = c.format;
            if c.cmd == Cmd::Save {
                format |= fmt::RULE;
            }
            if c.cmd == Cmd::List {
                let conflicts = (c.has(opt::CONNECTION)
                    || c.has(opt::TIMEOUT)
                    || c.has(opt::DAEMON))
                    && (c.has(opt::STATS) || c.has(opt::RATE) || c.has(opt::THRESHOLDS))
                    || (c.has(opt::TIMEOUT) || c.has(opt::DAEMON)) && c.has(opt::PERSISTENTCONN);
                if conflicts {
                    return Err(Exit {
                        msg: "options conflicts in the list command".into(),
                        code: 2,
                    });
                }
                if c.has(opt::CONNECTION) {
                    let names = show::Names::load(format);
                    show::connections(&mut out.stdout, format, &names)
                        .map_err(|msg| Exit { msg, code: 1 })?;
                    return Ok(0);
                }
                if c.has(opt::TIMEOUT) {
                    let t = ipvs.timeouts().map_err(|_| Exit {
                        msg: String::new(),
                        code: 1,
                    })?;
                    show::timeouts(&mut out.stdout, &t);
                    return Ok(0);
                }
                if c.has(opt::DAEMON) {
                    let d = ipvs.daemons().map_err(|_| Exit {
                        msg: String::new(),
                        code: 1,
                    })?;
                    show::daemons(&mut out.stdout, &d);
                    return Ok(0);
                }
            }
            let names = show::Names::load(format);
            if c.cmd == Cmd::List && c.has(opt::SERVICE) {
                let s = ipvs
                    .service(&c.key())
                    .map_err(|e| list_fail(Func::GetServices, &e))?;
                let mut d = ipvs
                    .destinations(&s.key)
                    .map_err(|e| list_fail(Func::GetServices, &e))?;
                show::title(&mut out.stdout, format);
                show::service(&mut out.stdout, &s, &mut d, format, &names);
                return Ok(0);
            }
            if format & fmt::RULE == 0 {
                let info = ipvs.info().map_err(|e| list_fail(Func::Other, &e))?;
                show::header(&mut out.stdout, &info);
            }
            let mut services = ipvs
                .services()
                .map_err(|e| list_fail(Func::GetServices, &e))?;
            if format & fmt::NOSORT == 0 {
                show::sort_services(&mut services);
            }
            show::title(&mut out.stdout, format);
            if format & (fmt::STATS | fmt::RATE) == 0 {
                // No counters shown: the kernel's cheaper read.
                let keys: Vec<ServiceKey> = services.iter().map(|s| s.key).collect();
                let all = ipvs
                    .destination_settings(&keys)
                    .map_err(|e| list_fail(Func::GetServices, &e))?;
                for (s, mut d) in services.iter().zip(all) {
                    show::service(&mut out.stdout, s, &mut d, format, &names);
                }
                return Ok(0);
            }
            for s in &services {
                let mut d = ipvs
                    .destinations(&s.key)
                    .map_err(|e| list_fail(Func::GetServices, &e))?;
                show::service(&mut out.stdout, s, &mut d, format, &names);
            }
            Ok(0)
        }
        Cmd::Restore => Err(cli::tryhelp("ipvsadm")),
        _ => {
            let (func, res) = match c.cmd {
                Cmd::Flush => (Func::Other, ipvs.flush()),
                Cmd::Zero => {
                    let key = c.has(opt::SERVICE).then(|| c.key());
                    (Func::ZeroService, ipvs.zero(key.as_ref()))
                }
                Cmd::Timeout => (Func::Other, ipvs.set_timeouts(&c.timeouts)),
                Cmd::StartDaemon => (Func::StartDaemon, ipvs.start_daemon(&c.daemon)),
                Cmd::StopDaemon => (Func::StopDaemon, ipvs.stop_daemon(c.daemon.state)),
                _ => {
                    let Some(op) = as_op(c) else { return Ok(0) };
                    let func = op_func(&op);
                    let res = match &op {
                        Op::AddService(s) => ipvs.add_service(s),
                        Op::EditService(s) => ipvs.edit_service(s),
                        Op::DelService(k) => ipvs.del_service(k),
                        Op::AddDest(k, d) => ipvs.add_dest(k, d),
                        Op::EditDest(k, d) => ipvs.edit_dest(k, d),
                        Op::DelDest(k, d) => ipvs.del_dest(k, d),
                    };
                    (func, res)
                }
            };
            match res {
                Ok(()) => Ok(0),
                Err(e) => {
                    out.stderr.push_str(&err_text(func, &e));
                    out.stderr.push('\n');
                    Ok(-1)
                }
            }
        }
    }
}

/// Operations `-R` sends per batch: enough for the kernel to take about a
/// window of requests per acknowledgement (see `Client::apply`), few enough
/// that the batch's memory is reused instead of grown.
const RESTORE_CHUNK: usize = 1024;

/// `-R`: every line parsed, table operations sent as batches (other commands
/// in order between them). The status is the last line's, as in ipvsadm.
fn restore(program: &str, ipvs: &mut Client, out: &mut Out) -> Result<i32, Exit> {
    let mut pending: Vec<Op> = Vec::with_capacity(RESTORE_CHUNK);
    let mut last = 0;
    let flush = |ipvs: &mut Client, pending: &mut Vec<Op>, out: &mut Out| -> Result<i32, Exit> {
        if pending.is_empty() {
            return Ok(0);
        }
        let report = ipvs.apply(pending).map_err(|e| Exit {
            msg: e.to_string(),
            code: 255,
        })?;
        let mut status = 0;
        for e in &report.errors {
            out.stderr.push_str(&err_text(op_func(&e.op), &e.error));
            out.stderr.push('\n');
            if e.index + 1 == pending.len() {
                status = -1;
            }
        }
        pending.clear();
        Ok(status)
    };
    // Line by line, in batches of RESTORE_CHUNK operations: the memory of
    // one line and one batch is reused for the next, which matters as much
    // as the parsing itself in the test VM, where every new page is costly.
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdin.read_line(&mut line).map_err(|e| Exit {
            msg: format!("reading stdin: {e}"),
            code: 255,
        })?;
        if n == 0 {
            break;
        }
        let args: Vec<&str> = line.split_ascii_whitespace().collect();
        if args.is_empty() {
            continue;
        }
        if let Some(op) = fast::restore_op(&args) {
            if pending.len() == RESTORE_CHUNK {
                flush(ipvs, &mut pending, out)?;
            }
            pending.push(op);
            last = 0;
            continue;
        }
        let c = match cli::parse(program, &args) {
            Ok(c) => c,
            Err(e) => {
                flush(ipvs, &mut pending, out)?;
                return Err(e);
            }
        };
        if c.cmd == Cmd::Restore {
            flush(ipvs, &mut pending, out)?;
            return Err(cli::tryhelp(program));
        }
        if let Some(op) = as_op(&c) {
            if pending.len() == RESTORE_CHUNK {
                // More operations follow: this batch's status is not the
                // last line's.
                flush(ipvs, &mut pending, out)?;
            }
            pending.push(op);
            last = 0;
            continue;
        }
        let st = flush(ipvs, &mut pending, out)?;
        let _ = st;
        last = run(ipvs, &c, out)?;
    }
    let st = flush(ipvs, &mut pending, out)?;
    if st != 0 {
        last = st;
    }
    Ok(last)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let program = argv.first().cloned().unwrap_or_else(|| "lbadm".into());
    let mut out = Out {
        stdout: String::new(),
        stderr: String::new(),
    };
    let status = real_main(&program, &argv[1..], &mut out);
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    match status {
        Ok(s) => ExitCode::from((s & 0xff) as u8),
        Err(e) => {
            if e.code == 0 {
                println!("{}", e.msg);
            } else if !e.msg.is_empty() {
                let _ = std::io::stdout().flush();
                eprintln!("{}", e.msg);
            }
            ExitCode::from(e.code)
        }
    }
}

fn real_main(program: &str, args: &[String], out: &mut Out) -> Result<i32, Exit> {
    let connect = || {
        Client::connect().map_err(|e| {
            let why = match e {
                Error::IpvsUnavailable => "Protocol not available".to_string(),
                e => e.to_string(),
            };
            Exit {
                msg: format!(
                    "Can't initialize ipvs: {why}\nAre you sure that IP Virtual Server is built in the kernel or as module?"
                ),
                code: 2,
            }
        })
    };
    if args.is_empty() {
        let mut ipvs = connect()?;
        let c = cli::parse(program, &["-L".to_string()])?;
        return run(&mut ipvs, &c, out);
    }
    let c = cli::parse(program, args)?;
    let mut ipvs = connect()?;
    if c.cmd == Cmd::Restore {
        return restore(program, &mut ipvs, out);
    }
    run(&mut ipvs, &c, out)
}
