//! `keepalived.conf`: lexer, macro layer, syntax tree, model and checks.
