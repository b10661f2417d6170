//! Table requests written straight into a send buffer, the path batches take
//! ([`Client::apply`](crate::Client::apply)): the same bytes as building a
//! [`Request`] and emitting it (tested below), without building attribute
//! trees, so a batch of thousands of requests allocates nothing per request.

use super::*;
use crate::plan::Op;

/// The flag on attributes that hold attributes.
const NLA_F_NESTED: u16 = 0x8000;

/// Starts an attribute whose length is filled in by [`close`].
fn open(out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    start
}

/// Writes the header of the attribute opened at `start` and pads it.
fn close(out: &mut Vec<u8>, start: usize, t: u16) -> Result<(), String> {
    let len =
        u16::try_from(out.len() - start).map_err(|_| format!("attribute {t} exceeds 64 KiB"))?;
    out[start..start + 2].copy_from_slice(&len.to_ne_bytes());
    out[start + 2..start + 4].copy_from_slice(&t.to_ne_bytes());
    let padded = start + ((out.len() - start + 3) & !3);
    out.resize(padded, 0);
    Ok(())
}

fn put(out: &mut Vec<u8>, t: u16, value: &[u8]) -> Result<(), String> {
    let start = open(out);
    out.extend_from_slice(value);
    close(out, start, t)
}

fn put_str(out: &mut Vec<u8>, t: u16, s: &str) -> Result<(), String> {
    let start = open(out);
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    close(out, start, t)
}

fn put_addr(out: &mut Vec<u8>, t: u16, addr: IpAddr) -> Result<(), String> {
    let mut v = [0u8; 16];
    match addr {
        IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
    }
    put(out, t, &v)
}

/// [`service_attr`], written out.
fn service(out: &mut Vec<u8>, key: &ServiceKey, s: Option<&ServiceSettings>) -> Result<(), String> {
    let start = open(out);
    match *key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            put(out, SVC_AF, &AddressFamily::of(addr).0.to_ne_bytes())?;
            put(out, SVC_PROTOCOL, &protocol.0.to_ne_bytes())?;
            put_addr(out, SVC_ADDR, addr)?;
            put(out, SVC_PORT, &port.to_be_bytes())?;
        }
        ServiceKey::Fwmark { mark, family } => {
            put(out, SVC_AF, &family.0.to_ne_bytes())?;
            put(out, SVC_FWMARK, &mark.to_ne_bytes())?;
        }
    }
    if let Some(s) = s {
        put_str(out, SVC_SCHED_NAME, s.scheduler.as_str())?;
        if let Some(pe) = &s.pe_name {
            put_str(out, SVC_PE_NAME, pe)?;
        }
        let mut flags = [0xff; 8];
        flags[..4].copy_from_slice(&s.flags.settings().bits().to_ne_bytes());
        put(out, SVC_FLAGS, &flags)?;
        put(out, SVC_TIMEOUT, &s.timeout.to_ne_bytes())?;
        put(
            out,
            SVC_NETMASK,
            &netmask_value(key.family(), s.netmask_prefix),
        )?;
    }
    close(out, start, CMD_ATTR_SERVICE | NLA_F_NESTED)
}

/// [`dest_attr`], written out.
fn dest(out: &mut Vec<u8>, key: &DestKey, d: Option<&DestSettings>) -> Result<(), String> {
    let start = open(out);
    put_addr(out, DEST_ADDR, key.addr)?;
    put(out, DEST_PORT, &key.port.to_be_bytes())?;
    put(
        out,
        DEST_ADDR_FAMILY,
        &AddressFamily::of(key.addr).0.to_ne_bytes(),
    )?;
    if let Some(d) = d {
        put(
            out,
            DEST_FWD_METHOD,
            &(d.forwarding.0 & FWD_MASK).to_ne_bytes(),
        )?;
        put(out, DEST_WEIGHT, &d.weight.to_ne_bytes())?;
        put(out, DEST_TUN_TYPE, &[d.tun_type.0])?;
        put(out, DEST_TUN_PORT, &d.tun_port.to_be_bytes())?;
        put(out, DEST_TUN_FLAGS, &d.tun_flags.bits().to_ne_bytes())?;
        put(out, DEST_U_THRESH, &d.upper_threshold.to_ne_bytes())?;
        put(out, DEST_L_THRESH, &d.lower_threshold.to_ne_bytes())?;
    }
    close(out, start, CMD_ATTR_DEST | NLA_F_NESTED)
}

/// Appends the request for `op` (no `NLM_F_ACK`: batches end with a
/// [`barrier`]); the same bytes as `op`'s [`Request`] emitted without ack.
pub(crate) fn encode_op(out: &mut Vec<u8>, family: u16, seq: u32, op: &Op) -> Result<(), String> {
    let start = out.len();
    let command = match op {
        Op::AddService(_) => cmd::NEW_SERVICE,
        Op::EditService(_) => cmd::SET_SERVICE,
        Op::DelService(_) => cmd::DEL_SERVICE,
        Op::AddDest(..) => cmd::NEW_DEST,
        Op::EditDest(..) => cmd::SET_DEST,
        Op::DelDest(..) => cmd::DEL_DEST,
    };
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&family.to_ne_bytes());
    out.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(&[command, IPVS_GENL_VERSION, 0, 0]);
    let written = match op {
        Op::AddService(s) | Op::EditService(s) => service(out, &s.key, Some(&s.settings)),
        Op::DelService(k) => service(out, k, None),
        Op::AddDest(k, d) | Op::EditDest(k, d) => {
            service(out, k, None).and_then(|()| dest(out, &d.key, Some(&d.settings)))
        }
        Op::DelDest(k, d) => service(out, k, None).and_then(|()| dest(out, d, None)),
    };
    if let Err(e) = written {
        out.truncate(start);
        return Err(e);
    }
    let len = u32::try_from(out.len() - start).map_err(|_| "message too large".to_string())?;
    out[start..start + 4].copy_from_slice(&len.to_ne_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use proptest::prelude::*;

    use super::*;

    fn addr() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u8; 16]>().prop_map(IpAddr::from),
        ]
    }

    fn key() -> impl Strategy<Value = ServiceKey> {
        prop_oneof![
            (
                prop_oneof![Just(6u16), Just(17), Just(132)],
                addr(),
                any::<u16>()
            )
                .prop_map(|(p, addr, port)| ServiceKey::Addr {
                    protocol: Protocol(p),
                    addr,
                    port,
                }),
            (any::<u32>(), prop_oneof![Just(2u16), Just(10)]).prop_map(|(mark, f)| {
                ServiceKey::Fwmark {
                    mark,
                    family: AddressFamily(f),
                }
            }),
        ]
    }

    fn service() -> impl Strategy<Value = Service> {
        (
            key(),
            "[a-z]{1,24}",
            proptest::option::of("[a-z]{1,20}"),
            any::<u32>(),
            any::<u32>(),
            0u8..=128,
        )
            .prop_map(|(key, sched, pe, flags, timeout, netmask_prefix)| Service {
                key,
                settings: ServiceSettings {
                    scheduler: Scheduler::new(sched),
                    flags: ServiceFlags::from_bits_retain(flags),
                    timeout,
                    netmask_prefix,
                    pe_name: pe,
                },
                stats: Stats::default(),
            })
    }

    fn dest() -> impl Strategy<Value = Destination> {
        (
            addr(),
            any::<u16>(),
            any::<[u32; 4]>(),
            any::<(u8, u16, u16)>(),
        )
            .prop_map(
                |(addr, port, [fwd, weight, upper, lower], (tt, tport, tflags))| Destination {
                    key: DestKey { addr, port },
                    settings: DestSettings {
                        forwarding: Forwarding(fwd),
                        weight,
                        upper_threshold: upper,
                        lower_threshold: lower,
                        tun_type: TunnelType(tt),
                        tun_port: tport,
                        tun_flags: TunnelFlags::from_bits_retain(tflags),
                    },
                    active_conns: 0,
                    inactive_conns: 0,
                    persist_conns: 0,
                    stats: Stats::default(),
                },
            )
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            service().prop_map(Op::AddService),
            service().prop_map(Op::EditService),
            key().prop_map(Op::DelService),
            (key(), dest()).prop_map(|(k, d)| Op::AddDest(k, d)),
            (key(), dest()).prop_map(|(k, d)| Op::EditDest(k, d)),
            (key(), dest()).prop_map(|(k, d)| Op::DelDest(k, d.key)),
        ]
    }

    fn reference(op: &Op, family: u16, seq: u32) -> Vec<u8> {
        let req = match op {
            Op::AddService(s) => new_service(s),
            Op::EditService(s) => set_service(s),
            Op::DelService(k) => del_service(k),
            Op::AddDest(k, d) => new_dest(k, d),
            Op::EditDest(k, d) => set_dest(k, d),
            Op::DelDest(k, d) => del_dest(k, d),
        };
        req.emit(family, seq, false).unwrap()
    }

    proptest! {
        #[test]
        fn same_bytes_as_the_reference_encoder(op in op(), family in 16u16.., seq: u32) {
            let mut out = vec![0xAA; 3];
            encode_op(&mut out, family, seq, &op).unwrap();
            prop_assert_eq!(&out[..3], &[0xAA; 3][..]);
            prop_assert_eq!(&out[3..], &reference(&op, family, seq)[..]);
        }
    }
}
