//! The IPVS test VM: Debian's stock kernel (which ships the `ip_vs*` modules)
//! booted under qemu with no network device, a busybox initramfs, and the
//! workspace shared over virtio-9p.
//!
//! The kernel package is downloaded and unpacked (never installed) into the
//! cache; the base initramfs is built once per kernel and recipe, and each run
//! appends a small archive with the command to run. `../shared/notes/ipvs-vm.md`
//! has the measurements behind the choices (TCG, the PVH `vmlinux`, the kernel
//! arguments that save boot time).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{self, Result, fail};
use crate::deps;

/// The VM's `/init`.
const INIT: &str = include_str!("../vm/init.sh");

/// Bump to rebuild cached base images after a change in how they are made.
const RECIPE: u32 = 1;

/// Host programs copied into the image, with their shared libraries.
const HOST_PROGRAMS: &[&str] = &[
    "/usr/sbin/ipvsadm",
    "/usr/sbin/ip",
    "/usr/bin/ss",
    "/usr/sbin/tc",
    "/usr/bin/bash",
];

/// Libraries that Rust test binaries link against, beyond what the programs bring.
const RUST_LIBS: &[&str] = &[
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libgcc_s.so.1",
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/lib64/ld-linux-x86-64.so.2",
];

/// Kernel module directories (under `kernel/`) that go into the image.
const MODULE_DIRS: &[&str] = &[
    "net/netfilter",
    "net/ipv4",
    "net/ipv6",
    "net/sched",
    "net/bridge",
    "net/8021q",
    "net/sctp",
    "net/9p",
    "fs/9p",
    "drivers/virtio",
    "drivers/net/veth.ko",
    "drivers/net/dummy.ko",
    "drivers/net/macvlan.ko",
    "drivers/net/ifb.ko",
    "drivers/net/vrf.ko",
    "drivers/net/tun.ko",
    "drivers/net/ipvlan",
    "drivers/net/vxlan",
    "drivers/net/bonding",
];

/// Kernel command line. The extras skip work that costs seconds under TCG:
/// crypto self-tests, keyboard probing, CPU-bug mitigations.
const KERNEL_ARGS: &str = "console=ttyS0 quiet panic=-1 mitigations=off cryptomgr.notests \
     initcall_blacklist=crypto_kdf108_init i8042.noaux i8042.nokbd";

/// How one run of the VM is set up.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    /// Host directories mounted read-write at the same path inside.
    pub(crate) shares: Vec<PathBuf>,
    /// Hard limit on the whole run, boot included.
    pub(crate) timeout: Duration,
    /// Guest memory in MiB.
    pub(crate) mem_mib: u32,
    /// Guest CPUs.
    pub(crate) smp: u32,
    /// Print the kernel console afterwards.
    pub(crate) verbose: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            shares: Vec::new(),
            timeout: Duration::from_secs(900),
            mem_mib: 1024,
            smp: 2,
            verbose: false,
        }
    }
}

/// A prepared VM: kernel and base initramfs in the cache.
#[derive(Debug)]
pub(crate) struct Vm {
    dir: PathBuf,
    kernel: PathBuf,
    base: PathBuf,
}

impl Vm {
    /// Installs the host packages, fetches the kernel and builds the base image,
    /// each only when missing from the cache.
    pub(crate) fn prepare(cache: &Path) -> Result<Vm> {
        let dir = cache.join("vm");
        fs::create_dir_all(&dir)?;
        deps::ensure(deps::VM)?;
        deps::ensure_qemu(cache)?;
        let (kroot, kver) = kernel_tree(&dir)?;
        let kernel = boot_image(&kroot, &kver);
        let base = base_image(&dir, &kroot, &kver)?;
        Ok(Vm { dir, kernel, base })
    }

    /// Boots the VM, runs `script` with bash as root, streams its output to
    /// stdout and returns its exit status.
    pub(crate) fn run(&self, script: &str, opts: &RunOptions) -> Result<i32> {
        let work = TempDir::new(&self.dir, "run")?;
        let root = work.path().join("root");
        let etc = root.join("etc/lbkit-vm");
        fs::create_dir_all(&etc)?;
        fs::write(etc.join("command"), script)?;
        let mut shares = String::new();
        let mut qemu_shares = Vec::new();
        for (i, dir) in opts.shares.iter().enumerate() {
            let dir = dir
                .canonicalize()
                .map_err(|e| fail!("cannot share {}: {e}", dir.display()))?;
            writeln!(shares, "host{i} {}", dir.display()).expect("writing to a String");
            qemu_shares.push("-virtfs".to_owned());
            qemu_shares.push(format!(
                "local,path={},mount_tag=host{i},security_model=none,multidevs=remap",
                dir.display()
            ));
        }
        fs::write(etc.join("shares"), shares)?;
        let initrd = work.path().join("initrd");
        let mut out = fs::File::create(&initrd)?;
        std::io::copy(&mut fs::File::open(&self.base)?, &mut out)?;
        out.write_all(&cpio(&root)?)?;
        drop(out);

        let console = work.path().join("console.log");
        let mut qemu = Command::new("qemu-system-x86_64");
        qemu.args(accelerator())
            .args([
                "-m",
                &opts.mem_mib.to_string(),
                "-smp",
                &opts.smp.to_string(),
            ])
            .args([
                "-nodefaults",
                "-nic",
                "none",
                "-display",
                "none",
                "-monitor",
                "none",
            ])
            .arg("-no-reboot")
            .arg("-kernel")
            .arg(&self.kernel)
            .arg("-initrd")
            .arg(&initrd)
            .args(["-append", KERNEL_ARGS])
            .arg("-serial")
            .arg(format!("file:{}", console.display()))
            .args([
                "-chardev",
                "stdio,id=out,signal=off",
                "-serial",
                "chardev:out",
            ])
            .args(&qemu_shares)
            .stdin(Stdio::null());
        let mut child = qemu
            .spawn()
            .map_err(|e| fail!("cannot start qemu-system-x86_64: {e}"))?;
        let deadline = Instant::now() + opts.timeout;
        let timed_out = loop {
            if child.try_wait()?.is_some() {
                break false;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break true;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = String::from_utf8_lossy(&fs::read(&console).unwrap_or_default()).into_owned();
        if opts.verbose {
            eprintln!("{log}");
        }
        let code = log
            .lines()
            .filter_map(|l| l.trim().strip_prefix("LBKIT_VM_EXIT="))
            .next_back()
            .and_then(|c| c.parse::<i32>().ok());
        match code {
            Some(code) => Ok(code),
            None => {
                if !opts.verbose {
                    let tail: Vec<&str> = log.lines().rev().take(40).collect();
                    for l in tail.iter().rev() {
                        eprintln!("{l}");
                    }
                }
                if timed_out {
                    Err(fail!(
                        "the test VM did not finish within {:?}; its console is above",
                        opts.timeout
                    ))
                } else {
                    Err(fail!(
                        "the test VM stopped without reporting an exit status (kernel panic?); \
                         its console is above"
                    ))
                }
            }
        }
    }
}

/// qemu accelerator arguments: KVM only where the CPU exposes vmx or svm. On
/// this machine kind `/dev/kvm` is PVM, which hangs a stock kernel, so TCG it is.
fn accelerator() -> Vec<&'static str> {
    let writable = fs::OpenOptions::new().write(true).open("/dev/kvm").is_ok();
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let hw = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .any(|l| l.split_whitespace().any(|f| f == "vmx" || f == "svm"));
    match std::env::var("LBKIT_VM_ACCEL").as_deref() {
        Ok("kvm") => vec!["-accel", "kvm", "-cpu", "host"],
        Ok("tcg") => vec!["-accel", "tcg", "-cpu", "max"],
        _ if writable && hw => vec!["-accel", "kvm", "-cpu", "host"],
        _ => vec!["-accel", "tcg", "-cpu", "max"],
    }
}

/// Debian's current `linux-image-*-amd64`, unpacked under `dir/kroot` with its
/// module index built. Returns the tree and the kernel version.
fn kernel_tree(dir: &Path) -> Result<(PathBuf, String)> {
    let kroot = dir.join("kroot");
    if let Some(kver) = kernel_version(&kroot) {
        return Ok((kroot, kver));
    }
    let pkg = match kernel_package() {
        Some(p) => p,
        None => {
            cmd::run(Command::new("apt-get").args(["update", "-qq"]))?;
            kernel_package().ok_or_else(|| {
                fail!("apt knows no linux-image-amd64 dependency: check the Debian sources")
            })?
        }
    };
    eprintln!("xtask: fetching {pkg} for the test VM");
    let tmp = TempDir::new(dir, "kernel")?;
    // apt downloads as the unprivileged `_apt` user when it can write there.
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777))?;
    cmd::run(
        Command::new("apt-get")
            .args(["download", "-q", &pkg])
            .current_dir(tmp.path()),
    )?;
    let deb = fs::read_dir(tmp.path())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| fail!("apt-get download {pkg} left no .deb"))?;
    let tree = tmp.path().join("tree");
    cmd::run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree))?;
    let kver = kernel_version(&tree).ok_or_else(|| fail!("{pkg} has no lib/modules"))?;
    cmd::run(Command::new("depmod").arg("-b").arg(&tree).arg(&kver))?;
    extract_vmlinux(&tree, &kver)?;
    fs::remove_file(&deb)?;
    let _ = fs::remove_dir_all(&kroot);
    fs::rename(&tree, &kroot)?;
    Ok((kroot, kver))
}

fn kernel_package() -> Option<String> {
    let out = cmd::output(Command::new("apt-cache").args(["depends", "linux-image-amd64"])).ok()?;
    out.lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-") && p.ends_with("-amd64"))
        .map(str::to_owned)
}

fn kernel_version(kroot: &Path) -> Option<String> {
    fs::read_dir(kroot.join("lib/modules"))
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|v| kroot.join("boot").join(format!("vmlinuz-{v}")).exists())
}

/// The uncompressed ELF `vmlinux` when extraction worked (qemu boots it through
/// its PVH note, skipping seconds of xz decompression under TCG), else the bzImage.
fn boot_image(kroot: &Path, kver: &str) -> PathBuf {
    let vmlinux = kroot.join(format!("boot/vmlinux-{kver}"));
    let elf = fs::read(&vmlinux).is_ok_and(|b| b.starts_with(b"\x7fELF"));
    if elf {
        vmlinux
    } else {
        kroot.join(format!("boot/vmlinuz-{kver}"))
    }
}

/// Decompresses the xz payload of the bzImage into `boot/vmlinux-KVER`.
fn extract_vmlinux(kroot: &Path, kver: &str) -> Result {
    let bz = fs::read(kroot.join(format!("boot/vmlinuz-{kver}")))?;
    let magic = b"\xfd7zXZ\x00";
    let Some(start) = bz.windows(magic.len()).position(|w| w == magic) else {
        eprintln!("xtask: no xz payload in the kernel image; booting the bzImage (slower)");
        return Ok(());
    };
    let out = fs::File::create(kroot.join(format!("boot/vmlinux-{kver}")))?;
    let mut xz = Command::new("xz")
        .args(["-dc", "--single-stream"])
        .stdin(Stdio::piped())
        .stdout(out)
        .spawn()
        .map_err(|e| fail!("cannot start xz: {e}"))?;
    // xz stops reading after the first stream; the rest of the image is padding.
    match xz
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(&bz[start..])
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    let status = xz.wait()?;
    if !status.success() {
        eprintln!("xtask: xz could not unpack the kernel ({status}); booting the bzImage (slower)");
    }
    Ok(())
}

/// The cached base initramfs for this kernel and recipe, built when missing.
fn base_image(dir: &Path, kroot: &Path, kver: &str) -> Result<PathBuf> {
    let mut key = format!("{RECIPE}\n{kver}\n{INIT}\n");
    for p in HOST_PROGRAMS
        .iter()
        .chain(RUST_LIBS)
        .chain(&["/bin/busybox"])
    {
        let m = fs::metadata(p).map_err(|e| fail!("{p}: {e} (is its package installed?)"))?;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        writeln!(key, "{p} {} {mtime:?}", m.len()).expect("writing to a String");
    }
    let base = dir.join(format!("base-{kver}-{:016x}.cpio", fnv1a(key.as_bytes())));
    if base.exists() {
        return Ok(base);
    }
    eprintln!("xtask: building the test VM's initramfs {}", base.display());
    for old in fs::read_dir(dir)?.flatten() {
        if old.file_name().to_string_lossy().starts_with("base-") {
            let _ = fs::remove_file(old.path());
        }
    }
    let stage = TempDir::new(dir, "stage")?;
    let r = stage.path();
    for d in [
        "usr/bin",
        "usr/sbin",
        "usr/lib",
        "usr/lib64",
        "proc",
        "sys",
        "dev",
        "run",
        "tmp",
        "root",
        "etc/lbkit-vm",
        "var",
        "mnt",
    ] {
        fs::create_dir_all(r.join(d))?;
    }
    for d in ["bin", "sbin", "lib", "lib64"] {
        symlink(format!("usr/{d}"), r.join(d))?;
    }
    fs::copy("/bin/busybox", r.join("usr/bin/busybox"))?;
    let applets = cmd::output(Command::new("/bin/busybox").arg("--list"))?;
    for a in applets.lines().filter(|a| *a != "busybox") {
        symlink("busybox", r.join("usr/bin").join(a))?;
    }
    // The kernel runs /sbin/modprobe to load modules on demand.
    symlink("../bin/busybox", r.join("usr/sbin/modprobe"))?;
    for p in HOST_PROGRAMS.iter().chain(RUST_LIBS) {
        copy_with_libs(r, Path::new(p))?;
    }
    fs::write(r.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")?;
    fs::write(r.join("etc/group"), "root:x:0:\n")?;
    fs::write(
        r.join("etc/hosts"),
        "127.0.0.1 localhost lbkit-vm\n::1 localhost\n",
    )?;
    fs::write(
        r.join("etc/nsswitch.conf"),
        "passwd: files\ngroup: files\nhosts: files\nservices: files\nprotocols: files\n",
    )?;
    for f in ["/etc/services", "/etc/protocols"] {
        let _ = fs::copy(f, r.join(&f[1..]));
    }
    add_modules(r, kroot, kver)?;
    let init = r.join("init");
    fs::write(&init, INIT)?;
    fs::set_permissions(&init, fs::Permissions::from_mode(0o755))?;
    let tmp = base.with_extension("tmp");
    fs::write(&tmp, cpio(r)?)?;
    fs::rename(&tmp, &base)?;
    Ok(base)
}

/// Copies the modules of [`MODULE_DIRS`] and their dependencies, builds the
/// module index, and lists the IPVS modules for `/init` to load.
fn add_modules(r: &Path, kroot: &Path, kver: &str) -> Result {
    let mdir = kroot.join("lib/modules").join(kver);
    let mut names = BTreeSet::new();
    for d in MODULE_DIRS {
        collect_modules(&mdir.join("kernel").join(d), &mut names)?;
    }
    let deps = cmd::output(
        Command::new("modprobe")
            .arg("-d")
            .arg(kroot)
            .args(["-S", kver, "--show-depends", "-a"])
            .args(&names),
    )?;
    for line in deps.lines() {
        let Some(path) = line.strip_prefix("insmod ") else {
            continue;
        };
        let path = Path::new(path.split_whitespace().next().unwrap_or_default());
        let rel = path
            .strip_prefix(kroot)
            .map_err(|_| fail!("module {} is outside the kernel tree", path.display()))?;
        let dest = r.join(rel);
        fs::create_dir_all(dest.parent().expect("a module path has a parent"))?;
        fs::copy(path, &dest)?;
    }
    let rmdir = r.join("lib/modules").join(kver);
    for f in [
        "modules.order",
        "modules.builtin",
        "modules.builtin.modinfo",
    ] {
        fs::copy(mdir.join(f), rmdir.join(f))?;
    }
    cmd::run(Command::new("depmod").arg("-b").arg(r).arg(kver))?;
    let mut ipvs = BTreeSet::new();
    collect_modules(&mdir.join("kernel/net/netfilter/ipvs"), &mut ipvs)?;
    let list: String = ipvs.iter().map(|m| format!("{m}\n")).collect();
    fs::write(r.join("etc/lbkit-vm/modules"), list)?;
    Ok(())
}

fn collect_modules(path: &Path, names: &mut BTreeSet<String>) -> Result {
    if path.is_dir() {
        for e in fs::read_dir(path)?.flatten() {
            collect_modules(&e.path(), names)?;
        }
    } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
        if let Some(m) = name
            .strip_suffix(".ko")
            .or_else(|| name.strip_suffix(".ko.xz"))
        {
            names.insert(m.to_owned());
        }
    }
    Ok(())
}

/// Copies a host file and the shared libraries `ldd` names for it into `root`,
/// each at its canonical path, so that the image's `/lib -> usr/lib` style
/// links are never replaced by real directories.
fn copy_with_libs(root: &Path, file: &Path) -> Result {
    let mut files = vec![file.to_path_buf()];
    if let Ok(out) = Command::new("ldd").arg(file).output() {
        let text = String::from_utf8_lossy(&out.stdout);
        files.extend(
            text.split_whitespace()
                .filter(|w| w.starts_with('/'))
                .map(PathBuf::from),
        );
    }
    for f in files {
        let (Some(parent), Some(name)) = (f.parent(), f.file_name()) else {
            continue;
        };
        let dir = parent.canonicalize()?;
        let dest = root.join(dir.strip_prefix("/").expect("canonical paths are absolute"));
        fs::create_dir_all(&dest)?;
        let dest = dest.join(name);
        let _ = fs::remove_file(&dest);
        fs::copy(&f, &dest).map_err(|e| fail!("copying {} into the VM image: {e}", f.display()))?;
    }
    Ok(())
}

/// A `newc` cpio archive of the tree at `root`, owned by root.
fn cpio(root: &Path) -> Result<Vec<u8>> {
    let list = cmd::output(Command::new("find").arg(".").current_dir(root))?;
    let mut child = Command::new("cpio")
        .args(["-o", "-H", "newc", "-R", "0:0", "--quiet"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| fail!("cannot start cpio: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let out = child.wait_with_output()?;
    writer.join().expect("the cpio writer does not panic")?;
    if !out.status.success() {
        return Err(fail!("cpio failed ({})", out.status));
    }
    Ok(out.stdout)
}

/// 64-bit FNV-1a, for cache keys that stay stable across toolchains.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: &Path, tag: &str) -> Result<TempDir> {
        let path = parent.join(format!("{tag}.{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
