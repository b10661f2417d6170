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

/// The names a Lua source registers with `core.register_fetches`,
/// `register_converters`, `register_action` and `register_service`, when
/// each is written as a string literal; `None` when one is not (the names
/// are then known only by running the script).
pub(crate) fn registered(text: &[u8]) -> Option<Vec<String>> {
    let text = String::from_utf8_lossy(text);
    let mut names = Vec::new();
    for (at, _) in text.match_indices("core.register_") {
        let rest = &text[at + "core.register_".len()..];
        let kind_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..kind_end],
            "fetches" | "converters" | "action" | "service"
        ) {
            continue;
        }
        let args = rest[kind_end..]
            .trim_start()
            .strip_prefix('(')?
            .trim_start();
        let quote = args.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &args[1..];
        let end = body.find(quote)?;
        names.push(body[..end].to_owned());
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::{compile, registered};

    #[test]
    fn registered_names_are_read_from_literals() {
        let src = b"core.register_fetches(\"tenant\", f)\ncore.register_action( 'stamp', {}, g)\n";
        assert_eq!(
            registered(src),
            Some(vec!["tenant".to_owned(), "stamp".to_owned()])
        );
        assert_eq!(registered(b"core.register_fetches(name, f)"), None);
        assert_eq!(registered(b"core.register_init(f)"), Some(vec![]));
    }

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
