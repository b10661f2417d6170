-- Registers what tests/haproxy/corpus/valid/lua.cfg uses.
core.register_fetches("tenant", function(txn)
    return txn.sf:req_hdr("x-tenant") or "none"
end)
core.register_converters("shout", function(s)
    return string.upper(s) .. "!"
end)
core.register_action("stamp", { "http-req" }, function(txn)
    txn.http:req_set_header("x-stamped", "1")
end)
