//! `haproxy.cfg`: sections, quoting, conditional blocks, syntax tree, model and
//! checks.
