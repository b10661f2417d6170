//! DNS_CHECK messages, built and read with `hickory-proto`.
//!
//! A check passes when the reply has the query's id, is a response, has
//! rcode NOERROR and echoes the question (keepalived's `DNS_CHECK` rules).

use std::str::FromStr;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::binary::BinDecodable;

use super::{Mismatch, show};
use crate::outcome::FailKind;

/// A query ready to send, and what its reply must echo.
#[derive(Debug, Clone)]
pub struct DnsQuery {
    /// Message id.
    pub id: u16,
    /// Queried name, fully qualified.
    pub name: Name,
    /// Queried type.
    pub qtype: RecordType,
    /// Wire bytes.
    pub bytes: Vec<u8>,
}

/// Builds a recursive query for `name` (`.` for the root) of type `qtype`
/// (`A`, `AAAA`, `MX`, ...).
pub fn build_query(id: u16, name: &str, qtype: &str) -> Result<DnsQuery, Mismatch> {
    let setup = |detail: String| Mismatch {
        kind: FailKind::Setup,
        detail,
    };
    let qtype = RecordType::from_str(&qtype.to_ascii_uppercase())
        .map_err(|e| setup(format!("unknown DNS query type {qtype:?}: {e}")))?;
    let mut name = Name::from_ascii(name)
        .map_err(|e| setup(format!("bad DNS name {name:?} in the check: {e}")))?;
    name.set_fqdn(true);
    let mut msg = Message::new();
    msg.set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true);
    msg.add_query(Query::query(name.clone(), qtype));
    let bytes = msg
        .to_vec()
        .map_err(|e| setup(format!("cannot encode a DNS query for {name}: {e}")))?;
    Ok(DnsQuery {
        id,
        name,
        qtype,
        bytes,
    })
}

/// Judges a reply to `query`. Returns the number of answer records.
pub fn check_reply(query: &DnsQuery, reply: &[u8]) -> Result<usize, Mismatch> {
    let msg = Message::from_bytes(reply)
        .map_err(|e| Mismatch::malformed(format!("not a DNS message ({e}): {}", show(reply))))?;
    if msg.id() != query.id {
        return Err(Mismatch::reply(format!(
            "DNS reply id {} does not match query id {}",
            msg.id(),
            query.id
        )));
    }
    if msg.message_type() != MessageType::Response {
        return Err(Mismatch::reply("DNS reply is a query, not a response"));
    }
    if msg.response_code() != ResponseCode::NoError {
        return Err(Mismatch::reply(format!(
            "DNS rcode {} for {} {}",
            msg.response_code(),
            query.name,
            query.qtype
        )));
    }
    let echoed = msg
        .queries()
        .iter()
        .any(|q| q.name() == &query.name && q.query_type() == query.qtype);
    if !echoed {
        return Err(Mismatch::reply(format!(
            "DNS reply does not echo the question {} {}",
            query.name, query.qtype
        )));
    }
    Ok(msg.answers().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::{RData, Record, rdata::A};

    fn reply_to(q: &DnsQuery, rcode: ResponseCode) -> Vec<u8> {
        let req = Message::from_bytes(&q.bytes).unwrap();
        let mut m = Message::new();
        m.set_id(req.id())
            .set_message_type(MessageType::Response)
            .set_op_code(OpCode::Query)
            .set_response_code(rcode);
        m.add_queries(req.queries().to_vec());
        m.add_answer(Record::from_rdata(
            q.name.clone(),
            60,
            RData::A(A::new(127, 0, 0, 1)),
        ));
        m.to_vec().unwrap()
    }

    #[test]
    fn round_trip() {
        let q = build_query(77, "www.example.test", "a").unwrap();
        assert_eq!(check_reply(&q, &reply_to(&q, ResponseCode::NoError)), Ok(1));
        let e = check_reply(&q, &reply_to(&q, ResponseCode::ServFail)).unwrap_err();
        assert!(
            e.detail.contains("SERVFAIL") || e.detail.contains("Server Failure"),
            "{e}"
        );
        let other = build_query(78, "www.example.test", "A").unwrap();
        assert!(check_reply(&other, &reply_to(&q, ResponseCode::NoError)).is_err());
        let aaaa = build_query(77, "www.example.test", "AAAA").unwrap();
        assert!(check_reply(&aaaa, &reply_to(&q, ResponseCode::NoError)).is_err());
        // The query itself is not a response.
        assert!(check_reply(&q, &q.bytes).is_err());
        assert!(build_query(1, ".", "SOA").is_ok());
    }

    #[test]
    fn bad_input() {
        assert_eq!(
            build_query(1, "x", "BOGUS").unwrap_err().kind,
            FailKind::Setup
        );
        let q = build_query(1, "x", "A").unwrap();
        for raw in [
            &b""[..],
            b"\x00\x01",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        ] {
            assert_eq!(check_reply(&q, raw).unwrap_err().kind, FailKind::Malformed);
        }
    }
}
