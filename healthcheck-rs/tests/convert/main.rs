//! Check specs from parsed `haproxy.cfg` and `keepalived.conf` files: every
//! option each conversion maps, and the typed errors for what it cannot.

mod corpus;
mod haproxy;
mod keepalived;
