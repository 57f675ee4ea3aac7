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
// Cache (cache.go) is how a server parses: a hand-written fast path for the
// simplest shapes (fastparse.go, equal to the sandbox's Query by test), then
// an LRU of earlier results, then the sandbox.
//
// Files: parse.go and validate.go (sandboxed parsing), build.go and
// build_filter.go, build_update.go, build_stage.go (DSL values to MongoDB
// forms), statement.go, query.go (AST, Explain), flags.go, value.go and
// ejson.go (value model, Extended JSON), compare.go, path.go, match.go,
// constraints.go, sort.go, projection.go, update.go, expr.go, aggregate.go,
// execute.go; geo: geo_parse.go (db.Geo), geo.go (GeoJSON validation, the
// geometries documents hold), geo_ops.go (operators, $geoNear stage, index
// rules), geo_sphere.go (spherical geometry), geo_bounds.go (bounding
// rects for 2dsphere indexes).
//
// Sandbox. Parsing runs the statement in a fresh, stripped-down goja runtime.
// Before anything runs, the program's syntax tree is checked against an
// allow-list: a statement is one expression made of method calls, member
// accesses with known names, literals, object/array literals,
// `new Date(...)`, `new db.Geo.<Type>(...)` and simple arithmetic;
// functions, loops, assignments, variables, `this`, computed member access,
// getters, spread and unknown identifiers are rejected with an error naming
// the construct. The runtime is
// a second line of defence: every global except `db`, `_` (db.command), `$`
// (db.command.aggregate) and `Date` is deleted, built-in methods a statement
// could reach are deleted, and execution is interrupted after a time limit.
// Values crossing from JavaScript to Go are converted with depth and size
// limits. `_.bit` is rejected ("unsupported: db.command.bit").
//
// Value model (value.go): nil, bool, int64, float64, string, time.Time (UTC,
// millisecond precision), *Regex, ServerDate (db.serverDate(), resolved at
// evaluation time), []any and *Document (an ordered object). Numbers coming
// from a statement are JavaScript numbers: integral values with magnitude
// <= 2^53 become int64, everything else float64.
//
// Geo. db.Geo.Point(lng, lat), LineString([points]), Polygon([lineStrings]),
// MultiPoint, MultiLineString and MultiPolygon (with or without new, as
// wx-server-sdk and @cloudbase/node-sdk allow) are validated as the SDK's
// constructors do and become the GeoJSON the SDK sends and stores,
// {"type": "Point", "coordinates": [lng, lat]}, kept whole (never flattened
// into dot paths, in conditions and update data alike); documents read back
// hold the same GeoJSON, which the SDK turns into Geo objects again. The
// commands take the SDK's wire form:
//
//	_.geoNear({geometry: P, maxDistance: m, minDistance: m})
//	    {$nearSphere: {$geometry: P, $maxDistance: m, $minDistance: m}}
//	_.geoWithin({geometry: Polygon|MultiPolygon})  {$geoWithin: {$geometry: ...}}
//	_.geoWithin({centerSphere: [P | [lng, lat], radians]})
//	    {$geoWithin: {$centerSphere: [[lng, lat], radians]}}
//	_.geoIntersects({geometry: any Geo})           {$geoIntersects: {$geometry: ...}}
//	aggregate().geoNear({near: P, distanceField, spherical, query, key,
//	    includeLocs, maxDistance, minDistance, distanceMultiplier})
//	    {$geoNear: {near: GeoJSON Point, query: <filter>, ...}}
//
// Statement renders them back the same way (Geo values as db.Geo calls).
// Evaluation is MongoDB's 2dsphere semantics on a sphere of radius
// EarthRadiusMeters (6378100 m): edges are great-circle arcs, a polygon is
// the smaller region its ring bounds (winding does not matter), polygons
// are closed (boundaries, hole boundaries included, are inside), holes are
// respected; $geoIntersects counts touching. Documents may hold GeoJSON
// objects or legacy coordinate pairs ([lng, lat], read as Points, as
// MongoDB's 2dsphere index does); values that are not valid geometries
// never match. $nearSphere matches documents whose nearest geometry lies
// within [minDistance, maxDistance] meters; a find returns them nearest
// first, then re-ordered by orderBy when the statement has one (MongoDB:
// an explicit sort overrides the distance order; here ties keep it), then
// skip and limit (Filter.SortResults). At most one $nearSphere, only at
// the top level or under $and ("$geoNear, $near, and $nearSphere are not
// allowed in this context" elsewhere, in $match and in $geoNear's query);
// $geoNear only as the first stage. MongoDB needs a 2dsphere index for
// both: Filter.CheckGeoIndex, ResolveGeoNear and ExecOptions.GeoIndexes
// apply those rules (and pick $geoNear's key) given the index paths.
// Query geometries are validated with MongoDB's rules (ranges, closed rings
// of at least 4 positions without crossings, holes inside the shell);
// legacy query forms ($nearSphere: [x, y], $box, $polygon, $center), $near,
// custom crs (big polygons) and nested GeometryCollections are unsupported
// errors, as are GeoJSON objects of more than 100,000 positions (an
// emulator limit). Within a MultiPolygon, each part of a document's
// geometry must lie in one member polygon (a line crossing from one member
// into an adjacent one is not within). $geoNear applies no default limit.
// Filter.Constraints bounds geo conditions by rects (GeoIndexRects bounds
// what documents hold) so a 2dsphere index can pick candidates.
//
// The package never prints, never prompts and imports nothing from the CLI or
// the emulator: both share it.
package dbquery
