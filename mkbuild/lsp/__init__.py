"""The language server (`mkbuild lsp`): `names` knows what a name means, `server`
speaks the Language Server Protocol (pygls) over stdio."""
