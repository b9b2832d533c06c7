// Core's JSON (the parser, the value tree, schemas) sits on JSONText, the one
// module that reads JSON bytes; re-exported so that Core's users see its
// scanner, field paths and limits as before.
@_exported import JSONText
