//! The interop harness: keepalived in a namespace (its log read as it
//! goes), the engine on raw sockets in a background thread, passive
//! observers capturing whole adverts, and polling for conditions under a
//! deadline instead of fixed sleeps.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use lbkit_testsupport::netns::{Lan, Netns};
use lbkit_testsupport::tier;
use socket2::{Domain, Protocol, Socket, Type};
use vrrp::linux::{Announcer, Sleeper, VrrpSocket, ifindex, run_until};
use vrrp::wire::{AddrList, MCAST_V4, V2Auth, Version};
use vrrp::{Command, Event, InstanceConfig, InstanceId, Router, State, Stats, TransmitKind};

pub(crate) const VI: InstanceId = InstanceId(0);

/// Polls `cond` every 10 ms until it holds or `limit` passes; says whether it
/// held. The limits are generous: they bound a hung test, they are not the
/// property under test.
pub(crate) fn wait_for(limit: Duration, cond: impl FnMut() -> bool) -> bool {
    lbkit_testsupport::wait::poll(limit, Duration::from_millis(10), cond).is_some()
}

pub(crate) fn keepalived_present(test: &str) -> bool {
    tier::program(test, "/usr/sbin/keepalived", "keepalived")
}

/// Waits (at most 10 s) until no IPv6 address of the hosts is tentative (DAD).
pub(crate) fn wait_v6_ready(lan: &Lan, hosts: usize) {
    for i in 1..=hosts {
        let ready = wait_for(Duration::from_secs(10), || {
            lan.host(i)
                .ip(&["-6", "addr", "show", "dev", "eth0", "tentative"])
                .is_ok_and(|out| out.trim().is_empty())
        });
        assert!(ready, "host {i}: IPv6 addresses still tentative after 10 s");
    }
}

/// One kind of VRRP set-up, used for both peers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flavour {
    pub(crate) version: Version,
    pub(crate) v6: bool,
    /// Advert interval in centiseconds (100 = 1 s).
    pub(crate) adv_cs: u16,
    /// Unicast peers (198.18.0.1 <-> 198.18.0.2) instead of multicast.
    pub(crate) unicast: bool,
}

impl Flavour {
    pub(crate) fn adv(self) -> Duration {
        Duration::from_millis(u64::from(self.adv_cs) * 10)
    }

    /// Host `n`'s VRRP source address.
    pub(crate) fn addr(self, n: u8) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::new(
                0xfe80,
                0,
                0,
                0,
                0,
                0xff,
                0xfe00,
                u16::from(n),
            ))
        } else {
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, n))
        }
    }

    pub(crate) fn vips(self) -> AddrList {
        if self.v6 {
            AddrList::V6(vec![Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x100)])
        } else {
            AddrList::V4(vec![Ipv4Addr::new(198, 18, 0, 100)])
        }
    }

    /// The keepalived configuration of host `n` (1 or 2) with `prio` and
    /// `extra` lines in the instance.
    pub(crate) fn keepalived_conf(self, n: u8, prio: u8, extra: &str) -> String {
        let auth = if self.version == Version::V2 {
            "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n"
        } else {
            ""
        };
        let unicast = if self.unicast {
            format!(
                "    unicast_src_ip {}\n    unicast_peer {{\n        {}\n    }}\n",
                self.addr(n),
                self.addr(3 - n)
            )
        } else {
            String::new()
        };
        let vip = if self.v6 {
            "fd00::100/64"
        } else {
            "198.18.0.100/24"
        };
        let adv = if self.adv_cs % 100 == 0 {
            format!("{}", self.adv_cs / 100)
        } else {
            format!("{}.{:02}", self.adv_cs / 100, self.adv_cs % 100)
        };
        format!(
            "global_defs {{\n    router_id r{n}\n    vrrp_version {}\n}}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority {prio}\n    advert_int {adv}\n{extra}{auth}{unicast}    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n",
            self.version.number()
        )
    }

    /// The engine's configuration on host `n`, equivalent to
    /// [`Flavour::keepalived_conf`].
    pub(crate) fn engine_conf(self, n: u8, prio: u8) -> InstanceConfig {
        let mut c = InstanceConfig::new("lbkit", 51, self.version, prio, self.addr(n), self.vips());
        c.advert_interval = self.adv();
        if self.version == Version::V2 {
            c.auth = V2Auth::pass(b"secret");
        }
        if self.unicast {
            c.unicast_peers = vec![self.addr(3 - n)];
        }
        c
    }

    /// The first advert the engine sends as master with the configuration of
    /// host `n` at `prio`: what keepalived must send byte for byte.
    pub(crate) fn engine_advert(self, n: u8, prio: u8) -> Vec<u8> {
        let mut r = Router::new();
        r.add_instance(self.engine_conf(n, prio)).unwrap();
        let t0 = Instant::now();
        r.handle_command(t0, Command::Startup(VI)).unwrap();
        r.handle_timeout(t0 + Duration::from_secs(200));
        let mut buf = Vec::new();
        while let Some(tx) = r.poll_transmit(&mut buf) {
            if matches!(tx.kind, TransmitKind::Advert { .. }) {
                buf.truncate(tx.len);
                return buf;
            }
        }
        panic!("the engine sent no advert as master");
    }
}

/// A keepalived in a namespace, VRRP-only, with private pid files; its log
/// (stderr) is collected as it runs. SIGKILLed on drop if still running.
pub(crate) struct Keepalived {
    child: Child,
    dir: PathBuf,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Keepalived {
    pub(crate) fn start(ns: &Netns, tag: &str, conf: &str) -> Keepalived {
        let dir = std::env::temp_dir().join(format!("lbkit-vrrp-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("keepalived.conf"), conf).unwrap();
        let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
        let mut child = ns
            .command("keepalived")
            .args(["-P", "-n", "-l", "-D", "-G", "-f", &p("keepalived.conf")])
            .args(["-p", &p("k.pid"), "-r", &p("v.pid")])
            .args(["-c", &p("c.pid"), "-b", &p("b.pid")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("keepalived starts");
        let log = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Keepalived {
            child,
            dir,
            log,
            reader: Some(reader),
        }
    }

    /// The log so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (at most `limit`) until the log contains `line`.
    pub(crate) fn wait_log(&self, line: &str, limit: Duration) -> bool {
        wait_for(limit, || self.log.lock().unwrap().contains(line))
    }

    /// Waits (at most `limit`) until the log contains `line` `n` times.
    pub(crate) fn wait_log_count(&self, line: &str, n: usize, limit: Duration) -> bool {
        wait_for(limit, || {
            self.log.lock().unwrap().matches(line).count() >= n
        })
    }

    fn finish(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.log()
    }

    /// SIGTERM (graceful: a master sends priority 0), wait at most 10 s for
    /// the exit; returns the whole log.
    pub(crate) fn stop(&mut self) -> String {
        kill("-TERM", &self.child.id().to_string());
        wait_for(Duration::from_secs(10), || {
            self.child.try_wait().ok().flatten().is_some()
        });
        self.finish()
    }

    /// A real crash: SIGSTOP the parent (or it respawns the child), SIGKILL
    /// the VRRP child (whose PID is in the -r file), then the parent. A
    /// SIGKILL of the parent alone is not a crash: the child gets SIGTERM
    /// through PR_SET_PDEATHSIG and sends priority 0.
    pub(crate) fn crash(&mut self) -> String {
        let parent = self.child.id().to_string();
        let child = std::fs::read_to_string(self.dir.join("v.pid"))
            .expect("keepalived wrote its VRRP child's pid");
        kill("-STOP", &parent);
        kill("-KILL", &child);
        kill("-KILL", &parent);
        self.finish()
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        self.finish();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn kill(sig: &str, pid: &str) {
    let _ = std::process::Command::new("kill")
        .args([sig, pid.trim()])
        .status();
}

/// How the engine thread ends (0: it runs).
const CRASH: u8 = 1;
const GRACEFUL: u8 = 2;

/// Shared view of an engine running in a background thread.
#[derive(Default)]
pub(crate) struct Engine {
    events: Mutex<Vec<(Instant, Event)>>,
    state: Mutex<Option<State>>,
    stats: Mutex<Stats>,
    end: AtomicU8,
}

impl Engine {
    /// Runs the engine with `cfg` on host `host` (optionally announcing
    /// through `announce`, adding the addresses) until [`Engine::crash`] or
    /// [`Engine::shutdown`], or 60 s. The thread returns the router.
    pub(crate) fn spawn<'s, 'e: 's>(
        &'e self,
        s: &'s Scope<'s, 'e>,
        host: &'e Netns,
        cfg: InstanceConfig,
    ) -> ScopedJoinHandle<'s, Router> {
        self.spawn_on(s, host, cfg, "eth0", None)
    }

    /// As [`Engine::spawn`], with the VRRP socket on `sock_iface`, and with
    /// `vips = Some((iface, prefix))`: GARP / NA through an [`Announcer`] on
    /// `iface`, where the engine adds its addresses as master (and removes
    /// them on leaving Master).
    pub(crate) fn spawn_on<'s, 'e: 's>(
        &'e self,
        s: &'s Scope<'s, 'e>,
        host: &'e Netns,
        cfg: InstanceConfig,
        sock_iface: &'e str,
        vips: Option<(&'e str, u8)>,
    ) -> ScopedJoinHandle<'s, Router> {
        s.spawn(move || host.enter(move || self.run(cfg, sock_iface, vips)).unwrap())
    }

    fn run(&self, cfg: InstanceConfig, sock_iface: &str, vips: Option<(&str, u8)>) -> Router {
        let sock = VrrpSocket::open(sock_iface, ifindex(sock_iface).unwrap(), cfg.primary).unwrap();
        let ann = vips.map(|(i, _)| Announcer::open(ifindex(i).unwrap()).unwrap());
        let addrs: Vec<IpAddr> = cfg.vips.iter().collect();
        let mut r = Router::new();
        r.add_instance(cfg).unwrap();
        r.handle_command(Instant::now(), Command::Startup(VI))
            .unwrap();
        let hard = Instant::now() + Duration::from_secs(60);
        let mut on_event = |e: Event| {
            if let (Some((iface, prefix)), Event::StateChanged { from, to, .. }) = (vips, &e) {
                let idx = ifindex(iface).unwrap();
                if *to == State::Master || *from == State::Master {
                    for a in &addrs {
                        vrrp::linux::set_vip(idx, *a, prefix, *to == State::Master).unwrap();
                    }
                }
            }
            self.events.lock().unwrap().push((Instant::now(), e));
        };
        while Instant::now() < hard {
            run_until(
                &mut r,
                &sock,
                ann.as_ref(),
                Instant::now() + Duration::from_millis(10),
                &mut on_event,
            )
            .unwrap();
            *self.state.lock().unwrap() = r.state(VI);
            *self.stats.lock().unwrap() = r.stats(VI).unwrap().clone();
            match self.end.load(Ordering::Relaxed) {
                CRASH => break,
                GRACEFUL => {
                    r.handle_command(Instant::now(), Command::Shutdown(VI))
                        .unwrap();
                    run_until(&mut r, &sock, ann.as_ref(), Instant::now(), &mut on_event).unwrap();
                    break;
                }
                _ => {}
            }
        }
        *self.state.lock().unwrap() = r.state(VI);
        *self.stats.lock().unwrap() = r.stats(VI).unwrap().clone();
        r
    }

    pub(crate) fn state(&self) -> Option<State> {
        *self.state.lock().unwrap()
    }

    pub(crate) fn stats(&self) -> Stats {
        self.stats.lock().unwrap().clone()
    }

    pub(crate) fn events(&self) -> Vec<(Instant, Event)> {
        self.events.lock().unwrap().clone()
    }

    /// Stops the loop without a priority-0 advert.
    pub(crate) fn crash(&self) {
        self.end.store(CRASH, Ordering::Relaxed);
    }

    /// Shuts the instance down (priority 0 if master), then stops.
    pub(crate) fn shutdown(&self) {
        self.end.store(GRACEFUL, Ordering::Relaxed);
    }

    /// Waits (at most `limit`) until the engine is in `state`.
    pub(crate) fn wait_state(&self, state: State, limit: Duration) -> bool {
        wait_for(limit, || self.state() == Some(state))
    }

    /// Asserts that no advert was dropped.
    pub(crate) fn assert_no_drops(&self) {
        let drops: Vec<_> = self
            .events()
            .into_iter()
            .filter(|(_, e)| matches!(e, Event::Dropped { .. }))
            .collect();
        assert!(drops.is_empty(), "drops of keepalived's adverts: {drops:?}");
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.end.store(CRASH, Ordering::Relaxed);
    }
}

/// An advert as a passive observer saw it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) src: IpAddr,
    pub(crate) ttl: u8,
    /// IPv4 only: the whole IP header as received.
    pub(crate) ip_header: Option<Vec<u8>>,
    /// The VRRP message.
    pub(crate) payload: Vec<u8>,
}

/// A passive capture of adverts on host `host`'s eth0 until dropped (at
/// most 60 s): IPv4 through a raw socket that keeps the IP header, IPv6
/// through a [`VrrpSocket`] (the hop limit from its control message).
#[derive(Default)]
pub(crate) struct Observer {
    seen: Mutex<Vec<Seen>>,
    stop: AtomicBool,
}

impl Observer {
    pub(crate) fn spawn<'s, 'e: 's>(
        &'e self,
        s: &'s Scope<'s, 'e>,
        host: &'e Netns,
        local: IpAddr,
    ) {
        s.spawn(move || host.enter(move || self.run(local)).unwrap());
    }

    fn run(&self, local: IpAddr) {
        let idx = ifindex("eth0").unwrap();
        let vs = VrrpSocket::open("eth0", idx, local).unwrap();
        let v4 = match local {
            IpAddr::V4(a) => {
                let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112))).unwrap();
                s.bind_device(Some(b"eth0")).unwrap();
                s.join_multicast_v4(&MCAST_V4, &a).unwrap();
                s.set_nonblocking(true).unwrap();
                Some(s)
            }
            IpAddr::V6(_) => None,
        };
        let sleeper = Sleeper::new().unwrap();
        let hard = Instant::now() + Duration::from_secs(60);
        let mut ready = [false];
        while !self.stop.load(Ordering::Relaxed) && Instant::now() < hard {
            sleeper
                .wait(
                    &[vs.fd()],
                    Some(Instant::now() + Duration::from_millis(10)),
                    &mut ready,
                )
                .unwrap();
            while let Ok(Some((d, _))) = vs.try_recv() {
                if v4.is_none() {
                    self.seen.lock().unwrap().push(Seen {
                        src: d.src,
                        ttl: d.ttl,
                        ip_header: None,
                        payload: d.payload,
                    });
                }
            }
            let Some(s) = &v4 else { continue };
            let mut buf = [0u8; 2048];
            while let Ok(n) = (&*s).read(&mut buf) {
                let b = &buf[..n];
                let ihl = usize::from(b[0] & 0x0f) * 4;
                self.seen.lock().unwrap().push(Seen {
                    src: IpAddr::V4(Ipv4Addr::new(b[12], b[13], b[14], b[15])),
                    ttl: b[8],
                    ip_header: Some(b[..ihl].to_vec()),
                    payload: b[ihl..].to_vec(),
                });
            }
        }
    }

    /// Adverts seen from `src` so far.
    pub(crate) fn from(&self, src: IpAddr) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.src == src)
            .cloned()
            .collect()
    }

    /// Waits (at most `limit`) until `n` adverts from `src` with priority
    /// `prio` were seen.
    pub(crate) fn wait_adverts(&self, src: IpAddr, prio: u8, n: usize, limit: Duration) -> bool {
        wait_for(limit, || {
            self.from(src)
                .iter()
                .filter(|s| s.payload.get(2) == Some(&prio))
                .count()
                >= n
        })
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs the engine with an [`Announcer`] on host `host` for `secs`, adding
/// the first VIP (`prefix`) when it becomes master.
pub(crate) fn run_announcing(
    host: &Netns,
    cfg: InstanceConfig,
    prefix: u8,
    secs: u64,
) -> (Router, Vec<Event>) {
    let vip = cfg.vips.iter().next().unwrap();
    host.enter(move || {
        let idx = ifindex("eth0").unwrap();
        let sock = VrrpSocket::open("eth0", idx, cfg.primary).unwrap();
        let ann = Announcer::open(idx).unwrap();
        let mut r = Router::new();
        r.add_instance(cfg).unwrap();
        r.handle_command(Instant::now(), Command::Startup(VI))
            .unwrap();
        let mut events = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(secs);
        run_until(&mut r, &sock, Some(&ann), deadline, |e| {
            if let Event::StateChanged {
                to: State::Master, ..
            } = e
            {
                vrrp::linux::set_vip(idx, vip, prefix, true).unwrap();
            }
            events.push(e);
        })
        .unwrap();
        (r, events)
    })
    .unwrap()
}
