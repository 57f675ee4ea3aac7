// Package dbquery owns the WeChat mini-program / CloudBase database statement
// language: it parses a statement such as
//
//	db.collection("todos").where({done: false, due: _.lt(new Date("2024-01-01"))}).orderBy("due", "asc").limit(20).get()
//
// into a Query (the AST), renders a Query back to a statement (Statement) or to
// its MongoDB form in relaxed Extended JSON (Explain), builds a Query from CLI
// flags (FromFlags), and evaluates queries over in-memory JSON documents with
// MongoDB semantics: filters (CompileFilter / Filter.Match), ordering
// (Compare, SortDocuments), projection, updates (ApplyUpdate), aggregation
// pipelines (RunPipeline) and a reference executor over a slice (Execute).
//
// Parsing runs the statement in a fresh, stripped-down goja runtime. Before
// running, the program's syntax tree is checked against an allow-list: a
// statement is a single expression made of calls, member accesses with known
// names, literals, object/array literals, `new Date(...)` and simple
// arithmetic; functions, loops, assignments, variables, `this`, computed member
// access and unknown identifiers are rejected with an error naming the
// construct. The runtime itself is a second line of defence: all globals except
// `db`, `_` (db.command), `$` (db.command.aggregate) and `Date` are removed, the
// dangerous built-ins are deleted, and execution is interrupted after a time
// limit. Values crossing from JavaScript to Go are converted with depth and size
// limits.
//
// The package never prints, never prompts and imports nothing from the CLI or
// the emulator: both share it.
//
// Value model (see value.go): nil, bool, int64, float64, string, time.Time
// (UTC, millisecond precision), *Regex, ServerDate (resolved at evaluation
// time), []any and *Document (an ordered object). Numbers coming from a
// statement are JavaScript numbers: integral values with magnitude <= 2^53
// become int64, everything else float64.
package dbquery
