//! Lua files of `lua-load` and `lua-load-per-thread`: HAProxy loads and runs
//! them while it parses, so a file it cannot open or compile is fatal. The
//! file is compiled (not run) with the Lua 5.3 library Debian's HAProxy is
//! linked with; errors the script would raise when run are not seen.

use mlua::{ChunkMode, Lua};

/// Compiles the Lua source `text` of file `name` as `luaL_loadfile()`
/// does (a first line starting with `#` skipped), giving Lua's message.
pub(crate) fn compile(name: &str, text: &[u8]) -> Result<(), String> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut source = text.to_vec();
    if source.first() == Some(&b'#') {
        // Keep the newline, so that line numbers stay those of the file.
        let end = source
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(source.len());
        source.drain(..end);
    }
    let lua = Lua::new();
    lua.load(source)
        .set_name(format!("@{name}"))
        .set_mode(ChunkMode::Text)
        .into_function()
        .map(drop)
        .map_err(|e| match e {
            mlua::Error::SyntaxError { message, .. } => message,
            other => other.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::compile;

    #[test]
    fn syntax_errors_are_lua_5_3_s() {
        assert_eq!(
            compile(
                "ok.lua",
                b"core.register_service('x', 'http', function(a) end)\n"
            ),
            Ok(())
        );
        assert_eq!(
            compile("/tmp/syn.lua", b"function f(\n"),
            Err("/tmp/syn.lua:2: <name> or '...' expected near <eof>".to_owned())
        );
        // A first line starting with '#' is skipped, the numbering kept.
        assert_eq!(compile("s.lua", b"#!/usr/bin/lua\nlocal x = 1\n"), Ok(()));
        assert_eq!(
            compile("s.lua", b"#!/usr/bin/lua\nlocal = 1\n"),
            Err("s.lua:2: <name> expected near '='".to_owned())
        );
        // Lua 5.3 has integer division and bitwise operators.
        assert_eq!(compile("o.lua", b"local x = 7 // 2 | 1\n"), Ok(()));
    }
}
