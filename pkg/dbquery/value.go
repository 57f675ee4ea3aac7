package dbquery

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Value is any value of the document model:
//
//	nil            JSON null
//	bool
//	int64          integral numbers (from JSON integers, $numberInt, $numberLong,
//	               and JavaScript numbers that are integral with |x| <= 2^53)
//	float64        other numbers (including NaN and ±Inf)
//	string
//	time.Time      dates, always UTC with millisecond precision
//	*Regex         regular expressions
//	ServerDate     db.serverDate(): "now + offset", resolved when evaluated
//	[]any          arrays of Values
//	*Document      ordered objects (embedded documents)
//
// No other Go types appear in values produced by this package; functions that
// accept Values reject anything else.
type Value = any

// Field is one key/value pair of a Document.
type Field struct {
	Key   string
	Value Value
}

// Document is an ordered JSON object (like BSON's ordered documents). The
// zero value and the nil pointer are empty documents for reading. Keys are
// unique: Set replaces an existing key in place.
type Document struct {
	fields []Field
	// geo marks a value built by a db.Geo constructor while parsing: such
	// a value is one whole GeoJSON object, never flattened into dot paths
	// (as the SDK keeps its Geo objects whole). It has no other meaning.
	geo bool
}

// NewDocument returns a document holding the given fields in order; a later
// duplicate key replaces the earlier value (keeping the first position).
func NewDocument(fields ...Field) *Document {
	d := &Document{fields: make([]Field, 0, len(fields))}
	for _, f := range fields {
		d.Set(f.Key, f.Value)
	}
	return d
}

// D builds a document from alternating keys and values: D("a", 1, "b", "x").
// It panics if a key is not a string; intended for tests and literals.
func D(kv ...any) *Document {
	if len(kv)%2 != 0 {
		panic("dbquery.D: odd number of arguments")
	}
	d := &Document{fields: make([]Field, 0, len(kv)/2)}
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic(fmt.Sprintf("dbquery.D: key %v is not a string", kv[i]))
		}
		d.Set(k, normalizeGo(kv[i+1]))
	}
	return d
}

// normalizeGo converts convenient Go literals (int, float32, ...) into the
// value model; used by D only.
func normalizeGo(v any) any {
	switch t := v.(type) {
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeGo(e)
		}
		return out
	}
	return v
}

// Len returns the number of fields.
func (d *Document) Len() int {
	if d == nil {
		return 0
	}
	return len(d.fields)
}

// Fields returns the fields in order. The slice must not be modified.
func (d *Document) Fields() []Field {
	if d == nil {
		return nil
	}
	return d.fields
}

// Keys returns the keys in order.
func (d *Document) Keys() []string {
	if d == nil {
		return nil
	}
	keys := make([]string, len(d.fields))
	for i, f := range d.fields {
		keys[i] = f.Key
	}
	return keys
}

// Get returns the value of a top-level key (no dot-path interpretation).
func (d *Document) Get(key string) (Value, bool) {
	if d == nil {
		return nil, false
	}
	for i := range d.fields {
		if d.fields[i].Key == key {
			return d.fields[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether the top-level key exists.
func (d *Document) Has(key string) bool {
	_, ok := d.Get(key)
	return ok
}

// Set sets a top-level key, replacing the value in place if the key exists or
// appending it otherwise.
func (d *Document) Set(key string, v Value) {
	for i := range d.fields {
		if d.fields[i].Key == key {
			d.fields[i].Value = v
			return
		}
	}
	d.fields = append(d.fields, Field{Key: key, Value: v})
}

// Delete removes a top-level key and reports whether it existed.
func (d *Document) Delete(key string) bool {
	if d == nil {
		return false
	}
	for i := range d.fields {
		if d.fields[i].Key == key {
			d.fields = append(d.fields[:i], d.fields[i+1:]...)
			return true
		}
	}
	return false
}

// ID returns the document's _id.
func (d *Document) ID() (Value, bool) { return d.Get("_id") }

// Lookup follows a dotted path through embedded documents and, for numeric
// components, array indexes. It does not fan out over arrays (use
// IndexKeys for MongoDB's multikey view).
func (d *Document) Lookup(path string) (Value, bool) {
	var cur Value = d
	for _, part := range strings.Split(path, ".") {
		switch t := cur.(type) {
		case *Document:
			v, ok := t.Get(part)
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, ok := arrayIndex(part)
			if !ok || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// Clone returns a deep copy.
func (d *Document) Clone() *Document {
	if d == nil {
		return nil
	}
	out := &Document{fields: make([]Field, len(d.fields))}
	for i, f := range d.fields {
		out.fields[i] = Field{Key: f.Key, Value: CloneValue(f.Value)}
	}
	return out
}

// String renders the document as compact relaxed Extended JSON (for messages
// and debugging).
func (d *Document) String() string {
	b, err := EncodeDocument(d)
	if err != nil {
		return fmt.Sprintf("<invalid document: %v>", err)
	}
	return string(b)
}

// CloneValue deep-copies a value (documents and arrays; the rest is immutable).
func CloneValue(v Value) Value {
	switch t := v.(type) {
	case *Document:
		return t.Clone()
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = CloneValue(e)
		}
		return out
	case *Regex:
		r := *t
		return &r
	}
	return v
}

// Regex is a regular expression value: {$regex: Pattern, $options: Options}.
// Options is the canonical (sorted, de-duplicated) subset of "imsux".
type Regex struct {
	Pattern string
	Options string
}

// NewRegex validates and canonicalises the options ("g" is dropped because it
// has no meaning for matching; anything outside "imsux" is an error).
func NewRegex(pattern, options string) (*Regex, error) {
	opts, err := canonicalRegexOptions(options)
	if err != nil {
		return nil, err
	}
	return &Regex{Pattern: pattern, Options: opts}, nil
}

func canonicalRegexOptions(options string) (string, error) {
	seen := map[rune]bool{}
	for _, c := range options {
		switch c {
		case 'i', 'm', 's', 'u', 'x':
			seen[c] = true
		case 'g':
			// global flag: irrelevant to a match test.
		default:
			return "", fmt.Errorf("unsupported regular expression option %q", string(c))
		}
	}
	return string(slices.Sorted(maps.Keys(seen))), nil
}

// ServerDate is db.serverDate({offset}): the server's current time plus Offset
// milliseconds, resolved when the statement is evaluated (ResolveServerDates).
type ServerDate struct {
	OffsetMillis int64
}

// ResolveServerDates returns v with every ServerDate replaced by now+offset.
// Values without ServerDates are returned as is (not copied).
func ResolveServerDates(v Value, now time.Time) Value {
	if !containsServerDate(v) {
		return v
	}
	return resolveSD(v, now)
}

func resolveSD(v Value, now time.Time) Value {
	switch t := v.(type) {
	case ServerDate:
		return toDate(now.Add(time.Duration(t.OffsetMillis) * time.Millisecond))
	case *Document:
		out := &Document{fields: make([]Field, len(t.fields))}
		for i, f := range t.fields {
			out.fields[i] = Field{Key: f.Key, Value: resolveSD(f.Value, now)}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = resolveSD(e, now)
		}
		return out
	}
	return v
}

func containsServerDate(v Value) bool {
	switch t := v.(type) {
	case ServerDate:
		return true
	case *Document:
		for _, f := range t.fields {
			if containsServerDate(f.Value) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if containsServerDate(e) {
				return true
			}
		}
	}
	return false
}

// toDate normalises a time to the model: UTC, millisecond precision.
func toDate(t time.Time) time.Time {
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// DateFromMillis returns the date for a Unix time in milliseconds.
func DateFromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

const maxSafeInt = 1 << 53

// NormalizeNumber returns a JavaScript-style number in the model: integral
// floats with |x| <= 2^53 become int64 (negative zero becomes 0).
func NormalizeNumber(f float64) Value {
	if f == math.Trunc(f) && math.Abs(f) <= maxSafeInt {
		return int64(f)
	}
	return f
}

func arrayIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// typeName names a value's type the way MongoDB messages do.
func typeName(v Value) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64:
		return "long"
	case float64:
		return "double"
	case string:
		return "string"
	case time.Time, ServerDate:
		return "date"
	case *Regex:
		return "regex"
	case []any:
		return "array"
	case *Document:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// checkValue verifies that v only holds model types.
func checkValue(v Value, depth int) error {
	if depth > maxValueDepth {
		return fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	switch t := v.(type) {
	case nil, bool, int64, float64, string, time.Time, ServerDate:
		return nil
	case *Regex:
		if t == nil {
			return fmt.Errorf("nil *Regex")
		}
		return nil
	case []any:
		for _, e := range t {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case *Document:
		if t == nil {
			return fmt.Errorf("nil *Document")
		}
		for _, f := range t.fields {
			if err := checkValue(f.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unsupported Go value of type %T", v)
}

// maxValueDepth bounds nesting of documents and arrays everywhere (MongoDB's
// own limit is 100 levels of nested documents).
const maxValueDepth = 100

// EqualValues reports whether two values are identical in type and content
// (int64(1) and float64(1) are NOT equal here; use Compare for MongoDB's
// numeric equality). Key order matters for documents.
func EqualValues(a, b Value) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y))) && math.Signbit(x) == math.Signbit(y)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case ServerDate:
		y, ok := b.(ServerDate)
		return ok && x == y
	case *Regex:
		y, ok := b.(*Regex)
		return ok && x.Pattern == y.Pattern && x.Options == y.Options
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !EqualValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Document:
		y, ok := b.(*Document)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := range x.Fields() {
			if x.fields[i].Key != y.fields[i].Key || !EqualValues(x.fields[i].Value, y.fields[i].Value) {
				return false
			}
		}
		return true
	}
	return false
}
