package dbquery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// EncodeDocument renders a document as compact relaxed MongoDB Extended JSON:
// dates as {"$date":"2024-01-01T00:00:00Z"} (or {"$date":{"$numberLong":"ms"}}
// outside years 1970-9999), regular expressions as {"$regex":..,"$options":..},
// server dates as {"$date":{"offset":N}}, non-finite doubles as
// {"$numberDouble":"NaN"|"Infinity"|"-Infinity"}; integral doubles keep a ".0"
// so that decoding gives a double again. Key order is preserved.
func EncodeDocument(d *Document) ([]byte, error) {
	if d == nil {
		d = &Document{}
	}
	return EncodeValue(d)
}

// EncodeValue is EncodeDocument for any value.
func EncodeValue(v Value) ([]byte, error) {
	e := &encoder{}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	return e.buf.Bytes(), nil
}

// encodeIndent renders v with two-space indentation (used by Explain).
func encodeIndent(v Value) ([]byte, error) {
	e := &encoder{indent: "  "}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	e.buf.WriteByte('\n')
	return e.buf.Bytes(), nil
}

type encoder struct {
	buf    bytes.Buffer
	indent string
}

func (e *encoder) newline(level int) {
	if e.indent == "" {
		return
	}
	e.buf.WriteByte('\n')
	for i := 0; i < level; i++ {
		e.buf.WriteString(e.indent)
	}
}

func (e *encoder) colon() {
	if e.indent == "" {
		e.buf.WriteByte(':')
	} else {
		e.buf.WriteString(": ")
	}
}

func (e *encoder) str(s string) {
	writeJSONString(&e.buf, s)
}

// writeJSONString writes s as a JSON string literal without HTML escaping; the
// output is also a valid JavaScript string literal (U+2028/2029 are escaped).
func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				b.WriteString(`\"`)
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				fmt.Fprintf(b, `\u%04x`, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

func (e *encoder) value(v Value, level int) error {
	if level > maxValueDepth+2 {
		return fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	switch t := v.(type) {
	case nil:
		e.buf.WriteString("null")
	case bool:
		if t {
			e.buf.WriteString("true")
		} else {
			e.buf.WriteString("false")
		}
	case int64:
		e.buf.WriteString(strconv.FormatInt(t, 10))
	case float64:
		switch {
		case math.IsNaN(t):
			e.buf.WriteString(`{"$numberDouble":"NaN"}`)
		case math.IsInf(t, 1):
			e.buf.WriteString(`{"$numberDouble":"Infinity"}`)
		case math.IsInf(t, -1):
			e.buf.WriteString(`{"$numberDouble":"-Infinity"}`)
		default:
			e.buf.WriteString(formatDouble(t))
		}
	case string:
		e.str(t)
	case time.Time:
		e.buf.WriteString(`{"$date":`)
		if y := t.UTC().Year(); y >= 1970 && y <= 9999 {
			e.str(formatDate(t))
		} else {
			e.buf.WriteString(`{"$numberLong":"` + strconv.FormatInt(t.UnixMilli(), 10) + `"}`)
		}
		e.buf.WriteByte('}')
	case ServerDate:
		e.buf.WriteString(`{"$date":{"offset":` + strconv.FormatInt(t.OffsetMillis, 10) + `}}`)
	case *Regex:
		e.buf.WriteString(`{"$regex":`)
		e.str(t.Pattern)
		e.buf.WriteString(`,"$options":`)
		e.str(t.Options)
		e.buf.WriteByte('}')
	case []any:
		if len(t) == 0 {
			e.buf.WriteString("[]")
			return nil
		}
		inline := e.indent != "" && scalarsOnly(t)
		e.buf.WriteByte('[')
		for i, el := range t {
			if i > 0 {
				e.buf.WriteByte(',')
				if inline {
					e.buf.WriteByte(' ')
				}
			}
			if !inline {
				e.newline(level + 1)
			}
			if err := e.value(el, level+1); err != nil {
				return err
			}
		}
		if !inline {
			e.newline(level)
		}
		e.buf.WriteByte(']')
	case *Document:
		if t.Len() == 0 {
			e.buf.WriteString("{}")
			return nil
		}
		e.buf.WriteByte('{')
		for i, f := range t.fields {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.newline(level + 1)
			e.str(f.Key)
			e.colon()
			if err := e.value(f.Value, level+1); err != nil {
				return err
			}
		}
		e.newline(level)
		e.buf.WriteByte('}')
	default:
		return fmt.Errorf("cannot encode Go value of type %T", v)
	}
	return nil
}

// scalarsOnly reports whether an array holds no documents or arrays (such
// arrays are written on one line in indented output).
func scalarsOnly(arr []any) bool {
	for _, v := range arr {
		switch v.(type) {
		case *Document, []any:
			return false
		}
	}
	return true
}

// formatDouble formats a finite double the JavaScript way, keeping ".0" on
// integral values so the type survives a JSON round trip.
func formatDouble(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") { // n: NaN/Inf never reach here
		s += ".0"
	}
	return s
}

// formatDate renders a date as ISO-8601 in UTC, with milliseconds only when
// they are not zero.
func formatDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
}

// DecodeDocument parses a JSON object in (relaxed or canonical) MongoDB
// Extended JSON. Recognised wrappers: {"$date": ISO-string | millis |
// {"$numberLong": "ms"} | {"offset": N}}, {"$tcb_server_date": {"offset":
// N}} (the server SDKs' db.serverDate()), {"$numberInt"}, {"$numberLong"},
// {"$numberDouble"}, {"$oid"} (decoded as a plain string),
// {"$regex", "$options"} and {"$regularExpression": {pattern, options}}.
// Other EJSON types ($binary, $numberDecimal, $timestamp, ...) are errors;
// other "$" keys (query or update operators) are kept as ordinary keys.
// JSON integers become int64 (float64 when they overflow), other numbers
// float64. Duplicate keys are an error.
func DecodeDocument(data []byte) (*Document, error) {
	v, err := DecodeValue(data)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*Document)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object, got %s", typeName(v))
	}
	return d, nil
}

// DecodeValue is DecodeDocument for any JSON value.
func DecodeValue(data []byte) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeNext(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("invalid extended JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid extended JSON: trailing data after the value")
	}
	return v, nil
}

func decodeNext(dec *json.Decoder, depth int) (Value, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxValueDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("unexpected end of input")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return nil, nil
	case bool:
		return t, nil
	case string:
		return t, nil
	case json.Number:
		return parseJSONNumber(string(t))
	case json.Delim:
		switch t {
		case '[':
			arr := []any{}
			for dec.More() {
				el, err := decodeNext(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, el)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		case '{':
			d := &Document{}
			var seen map[string]struct{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				if seen == nil && d.Len() >= 16 {
					seen = make(map[string]struct{}, 32)
					for _, f := range d.fields {
						seen[f.Key] = struct{}{}
					}
				}
				dup := false
				if seen != nil {
					_, dup = seen[key]
					seen[key] = struct{}{}
				} else {
					dup = d.Has(key)
				}
				if dup {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				val, err := decodeNext(dec, depth+1)
				if err != nil {
					return nil, err
				}
				d.fields = append(d.fields, Field{Key: key, Value: val})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return unwrapEJSON(d)
		}
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func parseJSONNumber(s string) (Value, error) {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("invalid number %s", s)
	}
	return f, nil
}

var unsupportedEJSON = map[string]bool{
	"$binary": true, "$uuid": true, "$numberDecimal": true, "$timestamp": true,
	"$symbol": true, "$code": true, "$scope": true, "$minKey": true, "$maxKey": true,
	"$undefined": true, "$dbPointer": true,
}

// unwrapEJSON converts an EJSON type wrapper into its model value, or returns
// the document unchanged.
func unwrapEJSON(d *Document) (Value, error) {
	if d.Len() == 0 || !strings.HasPrefix(d.fields[0].Key, "$") {
		return d, nil
	}
	first := d.fields[0]
	if unsupportedEJSON[first.Key] {
		return nil, fmt.Errorf("unsupported extended JSON type %s", first.Key)
	}
	if d.Len() == 1 {
		switch first.Key {
		case "$date":
			return decodeEJSONDate(first.Value)
		case "$tcb_server_date":
			// db.serverDate({offset}) as the server SDKs send it.
			inner, ok := first.Value.(*Document)
			off, has := Value(nil), false
			if ok {
				off, has = inner.Get("offset")
			}
			n, isInt := toInt64(off)
			if !ok || (inner.Len() > 0 && (!has || inner.Len() != 1)) || (has && !isInt) {
				return nil, errors.New(`$tcb_server_date must be {"offset": <integer milliseconds>}`)
			}
			return ServerDate{OffsetMillis: n}, nil
		case "$numberInt", "$numberLong":
			s, ok := first.Value.(string)
			if !ok {
				return nil, fmt.Errorf("%s must hold a string", first.Key)
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || (first.Key == "$numberInt" && (n > math.MaxInt32 || n < math.MinInt32)) {
				return nil, fmt.Errorf("invalid %s %q", first.Key, s)
			}
			return n, nil
		case "$numberDouble":
			s, ok := first.Value.(string)
			if !ok {
				return nil, errors.New("$numberDouble must hold a string")
			}
			switch s {
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			case "NaN":
				return math.NaN(), nil
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid $numberDouble %q", s)
			}
			return f, nil
		case "$oid":
			s, ok := first.Value.(string)
			if !ok {
				return nil, errors.New("$oid must hold a string")
			}
			return s, nil
		case "$regularExpression":
			inner, ok := first.Value.(*Document)
			if !ok {
				return nil, errors.New("$regularExpression must hold an object")
			}
			p, _ := inner.Get("pattern")
			o, _ := inner.Get("options")
			ps, ok1 := p.(string)
			os, ok2 := o.(string)
			if !ok1 || (o != nil && !ok2) || inner.Len() > 2 {
				return nil, errors.New(`$regularExpression must be {"pattern": string, "options": string}`)
			}
			return NewRegex(ps, os)
		}
	}
	// Legacy regex form {"$regex": "..", "$options": ".."} (either order).
	if rx, ok := d.Get("$regex"); ok && (d.Len() == 1 || (d.Len() == 2 && d.Has("$options"))) {
		ps, ok := rx.(string)
		if !ok {
			if r, isRx := rx.(*Regex); isRx && d.Len() == 1 {
				return r, nil
			}
			return d, nil
		}
		o, _ := d.Get("$options")
		os, ok := o.(string)
		if o != nil && !ok {
			return nil, errors.New("$options must be a string")
		}
		return NewRegex(ps, os)
	}
	return d, nil
}

func decodeEJSONDate(v Value) (Value, error) {
	switch t := v.(type) {
	case string:
		tm, err := parseDateString(t)
		if err != nil {
			return nil, err
		}
		return tm, nil
	case int64:
		return DateFromMillis(t), nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, errors.New("invalid $date: not a finite number")
		}
		return DateFromMillis(int64(t)), nil
	case *Document:
		if t.Len() == 1 {
			if off, ok := t.Get("offset"); ok {
				n, ok := toInt64(off)
				if !ok {
					return nil, errors.New("$date offset must be an integer")
				}
				return ServerDate{OffsetMillis: n}, nil
			}
		}
	}
	return nil, fmt.Errorf("invalid $date value %s", typeName(v))
}

// dateLayouts are accepted by new Date("...") and {"$date": "..."}. Strings
// without a UTC offset are interpreted as UTC (JavaScript would use local
// time for date-times; the emulator has no meaningful local zone).
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01",
	"2006",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006/01/02",
	time.RFC1123Z,
	time.RFC1123,
}

func parseDateString(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return toDate(t), nil
		}
	}
	if strings.HasSuffix(s, "z") {
		return parseDateString(s[:len(s)-1] + "Z")
	}
	return time.Time{}, fmt.Errorf("invalid date %q (use ISO-8601, e.g. 2024-01-01T08:00:00Z)", s)
}

// toInt64 converts an integral number value to int64.
func toInt64(v Value) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<63 {
			return int64(t), true
		}
	}
	return 0, false
}
