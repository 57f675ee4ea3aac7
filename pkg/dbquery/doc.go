// Package dbquery owns the WeChat mini-program / CloudBase database statement
// language: it parses a statement such as
//
//	db.collection("todos").where({done: false, due: _.lt(new Date("2024-01-01"))}).orderBy("due", "asc").limit(20).get()
//
// into a Query (the AST, already in MongoDB form), renders a Query back to a
// statement (Query.Statement) or to relaxed MongoDB Extended JSON
// (Query.Explain), builds a Query from CLI flags (FromFlags), and evaluates
// queries over in-memory JSON documents with MongoDB semantics: filters
// (CompileFilter, Filter.Match, Filter.Constraints for indexes), ordering
// (Compare, SortDocuments), projection (ApplyProjection), updates
// (ApplyUpdate), aggregation pipelines (RunPipeline) and a reference executor
// over a slice of documents (Execute).
//
// Files: parse.go and validate.go (sandboxed parsing), build.go (DSL values to
// MongoDB forms), statement.go, query.go (AST, Explain), flags.go, value.go and
// ejson.go (value model, Extended JSON), compare.go, path.go, match.go,
// constraints.go, sort.go, project.go, update.go, expr.go, aggregate.go,
// execute.go.
//
// Sandbox. Parsing runs the statement in a fresh, stripped-down goja runtime.
// Before anything runs, the program's syntax tree is checked against an
// allow-list: a statement is one expression made of method calls, member
// accesses with known names, literals, object/array literals,
// `new Date(...)` and simple arithmetic; functions, loops, assignments,
// variables, `this`, computed member access, getters, spread and unknown
// identifiers are rejected with an error naming the construct. The runtime is
// a second line of defence: every global except `db`, `_` (db.command), `$`
// (db.command.aggregate) and `Date` is deleted, built-in methods a statement
// could reach are deleted, and execution is interrupted after a time limit.
// Values crossing from JavaScript to Go are converted with depth and size
// limits. Geo types and commands, `_.bit` and the aggregate `geoNear` stage
// are rejected ("unsupported: db.Geo.Point").
//
// Value model (value.go): nil, bool, int64, float64, string, time.Time (UTC,
// millisecond precision), *Regex, ServerDate (db.serverDate(), resolved at
// evaluation time), []any and *Document (an ordered object). Numbers coming
// from a statement are JavaScript numbers: integral values with magnitude
// <= 2^53 become int64, everything else float64.
//
// The package never prints, never prompts and imports nothing from the CLI or
// the emulator: both share it.
package dbquery
