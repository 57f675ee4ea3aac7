package dbquery

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"
)

// Statement renders the query as a mini-program database statement, the form
// the WeChat HTTP API accepts in its "query" field. For every Query produced
// by Parse or FromFlags, Parse(q.Statement()) returns an equal Query
// (Query.Equal). Conditions use db.command (_) for the operators it has,
// dates are new Date("ISO"), regular expressions db.RegExp({...}), server
// dates db.serverDate({offset}), GeoJSON objects the SDK's constructors
// build db.Geo.<Type>(...), geo operators _.geoNear/_.geoWithin/
// _.geoIntersects({...}) when they have that form. Integers beyond ±2^53
// cannot be represented exactly in the statement language.
func (q *Query) Statement() string {
	r := &renderer{}
	b := &r.buf
	b.WriteString("db.collection(")
	writeJSONString(b, q.Collection)
	b.WriteByte(')')
	if q.HasDocID {
		b.WriteString(".doc(")
		r.value(q.DocID)
		b.WriteByte(')')
	}
	if q.Action == ActionAggregate {
		b.WriteString(".aggregate()")
		for _, st := range q.Pipeline {
			b.WriteByte('.')
			b.WriteString(strings.TrimPrefix(st.Name, "$"))
			b.WriteByte('(')
			if st.Name == "$match" {
				if f, ok := st.Arg.(*Document); ok {
					r.where(f, true)
				} else {
					r.value(st.Arg)
				}
			} else if d, ok := st.Arg.(*Document); ok && st.Name == "$geoNear" {
				r.geoNearStage(d)
			} else {
				r.value(st.Arg)
			}
			b.WriteByte(')')
		}
		b.WriteString(".end()")
		return b.String()
	}
	if q.Filter != nil {
		b.WriteString(".where(")
		r.where(q.Filter, true)
		b.WriteByte(')')
	}
	if q.Projection != nil {
		b.WriteString(".field({")
		for i, f := range q.Projection.Fields() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, f.Key)
			if truthy(f.Value) {
				b.WriteString(": true")
			} else {
				b.WriteString(": false")
			}
		}
		b.WriteString("})")
	}
	for _, k := range q.Sort {
		b.WriteString(".orderBy(")
		writeJSONString(b, k.Field)
		if k.Desc {
			b.WriteString(`, "desc")`)
		} else {
			b.WriteString(`, "asc")`)
		}
	}
	if q.Skip != nil {
		b.WriteString(".skip(" + strconv.FormatInt(*q.Skip, 10) + ")")
	}
	if q.Limit != nil {
		b.WriteString(".limit(" + strconv.FormatInt(*q.Limit, 10) + ")")
	}
	switch q.Action {
	case ActionFind:
		b.WriteString(".get()")
	case ActionCount:
		b.WriteString(".count()")
	case ActionRemove:
		b.WriteString(".remove()")
	case ActionInsert:
		b.WriteString(".add({data: ")
		if len(q.Data) == 1 {
			r.value(q.Data[0])
		} else {
			b.WriteByte('[')
			for i, d := range q.Data {
				if i > 0 {
					b.WriteString(", ")
				}
				r.value(d)
			}
			b.WriteByte(']')
		}
		b.WriteString("})")
	case ActionSet:
		b.WriteString(".set({data: ")
		r.value(q.Update)
		b.WriteString("})")
	case ActionUpdate:
		b.WriteString(".update({data: ")
		r.updateData(q.Update)
		b.WriteString("})")
	default:
		b.WriteString(".get()")
	}
	return b.String()
}

type renderer struct {
	buf bytes.Buffer
}

// value renders a plain value as a JavaScript literal.
func (r *renderer) value(v Value) {
	b := &r.buf
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		switch {
		case math.IsNaN(t):
			b.WriteString("NaN")
		case math.IsInf(t, 1):
			b.WriteString("Infinity")
		case math.IsInf(t, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
		}
	case string:
		writeJSONString(b, t)
	case time.Time:
		b.WriteString("new Date(")
		if y := t.UTC().Year(); y >= 1 && y <= 9999 {
			writeJSONString(b, t.UTC().Format("2006-01-02T15:04:05.000Z"))
		} else {
			b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
		}
		b.WriteByte(')')
	case ServerDate:
		if t.OffsetMillis == 0 {
			b.WriteString("db.serverDate()")
		} else {
			b.WriteString("db.serverDate({offset: " + strconv.FormatInt(t.OffsetMillis, 10) + "})")
		}
	case *Regex:
		b.WriteString("db.RegExp({regexp: ")
		writeJSONString(b, t.Pattern)
		b.WriteString(", options: ")
		writeJSONString(b, t.Options)
		b.WriteString("})")
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			r.value(e)
		}
		b.WriteByte(']')
	case *Document:
		if sdkGeoValid(t) {
			r.geoValue(t)
			return
		}
		b.WriteByte('{')
		for i, f := range t.Fields() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONString(b, f.Key)
			b.WriteString(": ")
			r.value(f.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString("undefined")
	}
}

// where renders a canonical filter. With rootCommand, a filter that is a
// single $and/$or/$nor renders as _.and([...]) etc.
func (r *renderer) where(f *Document, rootCommand bool) {
	b := &r.buf
	if rootCommand && f.Len() == 1 {
		k := f.fields[0].Key
		if arr, ok := f.fields[0].Value.([]any); ok && (k == "$and" || k == "$or" || k == "$nor") {
			b.WriteString("_." + k[1:] + "([")
			r.filterList(arr)
			b.WriteString("])")
			return
		}
	}
	b.WriteByte('{')
	for i, fl := range f.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, fl.Key)
		b.WriteString(": ")
		switch {
		case fl.Key == "$and" || fl.Key == "$or" || fl.Key == "$nor":
			if arr, ok := fl.Value.([]any); ok {
				b.WriteByte('[')
				r.filterList(arr)
				b.WriteByte(']')
			} else {
				r.value(fl.Value)
			}
		case strings.HasPrefix(fl.Key, "$"):
			r.value(fl.Value)
		default:
			r.cond(fl.Value)
		}
	}
	b.WriteByte('}')
}

func (r *renderer) filterList(arr []any) {
	for i, e := range arr {
		if i > 0 {
			r.buf.WriteString(", ")
		}
		if d, ok := e.(*Document); ok {
			r.where(d, false)
		} else {
			r.value(e)
		}
	}
}

// chainOps are the field operators rendered as db.command calls.
var chainOps = map[string]string{
	"$eq": "eq", "$ne": "neq", "$gt": "gt", "$gte": "gte", "$lt": "lt", "$lte": "lte",
	"$in": "in", "$nin": "nin", "$exists": "exists", "$size": "size", "$mod": "mod",
	"$all": "all", "$elemMatch": "elemMatch", "$not": "not",
	"$nearSphere": "geoNear", "$geoWithin": "geoWithin", "$geoIntersects": "geoIntersects",
}

func chainable(ops *Document) bool {
	for _, f := range ops.Fields() {
		if _, ok := chainOps[f.Key]; !ok {
			return false
		}
		if _, isGeo := geoCommandOps[chainOps[f.Key]]; isGeo && geoDSLForm(f.Key, f.Value) == nil {
			return false
		}
		if f.Key == "$not" {
			if _, isRx := f.Value.(*Regex); isRx {
				continue
			}
			inner, ok := f.Value.(*Document)
			if !ok || !allDollar(inner) || !chainable(inner) || inner.Has("$not") {
				return false
			}
		}
	}
	return true
}

// cond renders the condition on one field.
func (r *renderer) cond(v Value) {
	ops, ok := v.(*Document)
	if !ok || !allDollar(ops) {
		r.value(v)
		return
	}
	if !chainable(ops) {
		r.literalOps(ops)
		return
	}
	r.chain(ops)
}

func (r *renderer) chain(ops *Document) {
	b := &r.buf
	for i, f := range ops.Fields() {
		if i == 0 {
			b.WriteString("_.")
		} else {
			b.WriteByte('.')
		}
		b.WriteString(chainOps[f.Key])
		b.WriteByte('(')
		switch f.Key {
		case "$not":
			if inner, ok := f.Value.(*Document); ok {
				r.chain(inner)
			} else {
				r.value(f.Value)
			}
		case "$elemMatch":
			r.elemMatchArg(f.Value)
		case "$nearSphere", "$geoWithin", "$geoIntersects":
			r.value(geoDSLForm(f.Key, f.Value))
		case "$all":
			arr, _ := f.Value.([]any)
			b.WriteByte('[')
			for j, e := range arr {
				if j > 0 {
					b.WriteString(", ")
				}
				if d, ok := e.(*Document); ok && d.Len() == 1 && d.fields[0].Key == "$elemMatch" {
					b.WriteString("_.elemMatch(")
					r.elemMatchArg(d.fields[0].Value)
					b.WriteByte(')')
				} else {
					r.value(e)
				}
			}
			b.WriteByte(']')
		default:
			r.value(f.Value)
		}
		b.WriteByte(')')
	}
}

func (r *renderer) elemMatchArg(v Value) {
	d, ok := v.(*Document)
	if !ok {
		r.value(v)
		return
	}
	if allDollar(d) && !d.Has("$and") && !d.Has("$or") && !d.Has("$nor") && !d.Has("$expr") {
		r.literalOps(d)
		return
	}
	r.where(d, false)
}

// literalOps renders an operator document as an object literal, recursing
// into the operators whose values are themselves conditions.
func (r *renderer) literalOps(ops *Document) {
	b := &r.buf
	b.WriteByte('{')
	for i, f := range ops.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, f.Key)
		b.WriteString(": ")
		switch f.Key {
		case "$elemMatch":
			r.elemMatchArg(f.Value)
		case "$not":
			if inner, ok := f.Value.(*Document); ok {
				r.literalOps(inner)
			} else {
				r.value(f.Value)
			}
		case "$all":
			arr, _ := f.Value.([]any)
			b.WriteByte('[')
			for j, e := range arr {
				if j > 0 {
					b.WriteString(", ")
				}
				if d, ok := e.(*Document); ok && d.Len() == 1 && d.fields[0].Key == "$elemMatch" {
					b.WriteString(`{"$elemMatch": `)
					r.elemMatchArg(d.fields[0].Value)
					b.WriteByte('}')
				} else {
					r.value(e)
				}
			}
			b.WriteByte(']')
		default:
			r.value(f.Value)
		}
	}
	b.WriteByte('}')
}

// updateData renders an update operator document as update({data}) content.
func (r *renderer) updateData(u *Document) {
	b := &r.buf
	b.WriteByte('{')
	n := 0
	for _, op := range u.Fields() {
		fields, ok := op.Value.(*Document)
		if !ok {
			continue
		}
		for _, f := range fields.Fields() {
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			writeJSONString(b, f.Key)
			b.WriteString(": ")
			r.updateCommand(op.Key, f.Value)
		}
	}
	b.WriteByte('}')
}

func (r *renderer) updateCommand(op string, v Value) {
	b := &r.buf
	switch op {
	case "$set":
		if d, ok := v.(*Document); ok && d.Len() > 0 && !sdkGeoValid(d) {
			b.WriteString("_.set(")
			r.value(d)
			b.WriteByte(')')
			return
		}
		r.value(v)
	case "$unset":
		b.WriteString("_.remove()")
	case "$inc", "$mul", "$min", "$max", "$rename", "$pullAll":
		b.WriteString("_." + op[1:] + "(")
		r.value(v)
		b.WriteByte(')')
	case "$pop":
		if n, _ := toInt64(v); n < 0 {
			b.WriteString("_.shift()")
		} else {
			b.WriteString("_.pop()")
		}
	case "$push":
		spec, ok := v.(*Document)
		if !ok || !spec.Has("$each") {
			spec = D("$each", []any{v})
		}
		b.WriteString("_.push({")
		for i, f := range spec.Fields() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strings.TrimPrefix(f.Key, "$") + ": ")
			r.value(f.Value)
		}
		b.WriteString("})")
	case "$addToSet":
		b.WriteString("_.addToSet(")
		d, isDoc := v.(*Document)
		switch {
		case isDoc && d.Len() == 1 && d.fields[0].Key == "$each":
			b.WriteString("{each: ")
			r.value(d.fields[0].Value)
			b.WriteByte('}')
		case isDoc && d.Len() == 1 && d.fields[0].Key == "each":
			b.WriteString("{each: [")
			r.value(v)
			b.WriteString("]}")
		default:
			r.value(v)
		}
		b.WriteByte(')')
	case "$pull":
		b.WriteString("_.pull(")
		if d, ok := v.(*Document); ok {
			if allDollar(d) && !d.Has("$and") && !d.Has("$or") && !d.Has("$nor") && !d.Has("$expr") {
				r.literalOps(d)
			} else {
				r.where(d, false)
			}
		} else {
			r.value(v)
		}
		b.WriteByte(')')
	default:
		b.WriteString("undefined")
	}
}

// geoValue renders a GeoJSON document the SDK's constructors produce
// (sdkGeoValid) as db.Geo.<Type>(...).
func (r *renderer) geoValue(d *Document) {
	b := &r.buf
	t, _ := d.fields[0].Value.(string)
	c := d.fields[1].Value
	b.WriteString("db.Geo." + t + "(")
	switch t {
	case "Point":
		arr, _ := c.([]any)
		r.value(arr[0])
		b.WriteString(", ")
		r.value(arr[1])
	case "LineString", "MultiPoint":
		r.geoList("Point", c)
	case "Polygon", "MultiLineString":
		r.geoList("LineString", c)
	case "MultiPolygon":
		r.geoList("Polygon", c)
	}
	b.WriteByte(')')
}

func (r *renderer) geoList(part string, c Value) {
	arr, _ := c.([]any)
	r.buf.WriteByte('[')
	for i, e := range arr {
		if i > 0 {
			r.buf.WriteString(", ")
		}
		r.geoValue(&Document{fields: []Field{{Key: "type", Value: part}, {Key: "coordinates", Value: e}}})
	}
	r.buf.WriteByte(']')
}

// geoNearStage renders the $geoNear stage's object, its query as a
// condition.
func (r *renderer) geoNearStage(d *Document) {
	b := &r.buf
	b.WriteByte('{')
	for i, f := range d.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, f.Key)
		b.WriteString(": ")
		if q, ok := f.Value.(*Document); ok && f.Key == "query" {
			r.where(q, true)
			continue
		}
		r.value(f.Value)
	}
	b.WriteByte('}')
}
