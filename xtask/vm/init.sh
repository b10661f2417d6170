#!/bin/sh
# /init of lbkit's IPVS test VM (busybox sh as PID 1), built into the initramfs by
# `cargo xtask`. ttyS0 carries the kernel console and the exit marker; ttyS1 carries
# the command's output, which the host streams to its stdout.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run/netns /var/run
mount -t devpts devpts /dev/pts
ln -sf /proc/self/fd /dev/fd    # bash process substitution needs /dev/fd
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/netns
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
chmod 1777 /tmp
hostname lbkit-vm

# every IPVS module (all schedulers, the SIP persistence engine, the FTP helper)
while read -r m; do
    modprobe "$m" || echo "lbkit-vm: modprobe $m failed" >&2
done </etc/lbkit-vm/modules
ip link set lo up

# host directories shared over virtio-9p, one "TAG PATH" line each
if [ -s /etc/lbkit-vm/shares ]; then
    modprobe -a virtio_pci 9pnet_virtio 9p
    while read -r tag path; do
        mkdir -p "$path"
        mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,access=any "$tag" "$path" ||
            echo "lbkit-vm: cannot mount $tag at $path" >&2
    done </etc/lbkit-vm/shares
fi

stty -F /dev/ttyS1 raw -echo
cd /root
/usr/bin/bash /etc/lbkit-vm/command </dev/null >/dev/ttyS1 2>&1
rc=$?
kill -9 -1 2>/dev/null
sleep 0.1
# tcsetattr(TCSADRAIN) returns once every byte of the output has left ttyS1
stty -F /dev/ttyS1 raw -echo
printf '\nLBKIT_VM_EXIT=%s\n' "$rc" >/dev/ttyS0
poweroff -f
