package dbquery

import (
	"cmp"
	"math"
	"strings"
	"time"
)

// Type classes in MongoDB's BSON comparison order (see TypeClass).
const (
	ClassNull   = 1
	ClassNumber = 2
	ClassString = 3
	ClassObject = 4
	ClassArray  = 5
	ClassBool   = 6
	ClassDate   = 7
	ClassRegex  = 8
	classOther  = 9
)

// TypeClass returns the canonical BSON type class of a value: values of a
// lower class sort before values of a higher class (null < numbers < strings
// < objects < arrays < bool < dates < regex). int64 and float64 share
// ClassNumber. A ServerDate counts as a date.
func TypeClass(v Value) int {
	switch v.(type) {
	case nil:
		return ClassNull
	case int64, float64:
		return ClassNumber
	case string:
		return ClassString
	case *Document:
		return ClassObject
	case []any:
		return ClassArray
	case bool:
		return ClassBool
	case time.Time, ServerDate:
		return ClassDate
	case *Regex:
		return ClassRegex
	}
	return classOther
}

// Compare orders two values the way MongoDB compares BSON values: first by
// type class (TypeClass), then within the class: numbers numerically across
// int64/float64 (NaN below every other number and equal to itself), strings
// by bytes (binary collation), documents field by field (value type class,
// then key, then value; a prefix sorts first), arrays element by element,
// false < true, dates chronologically, regexes by pattern then options.
// It returns -1, 0 or +1.
func Compare(a, b Value) int {
	ca, cb := TypeClass(a), TypeClass(b)
	if ca != cb {
		return cmp.Compare(ca, cb)
	}
	switch ca {
	case ClassNull:
		return 0
	case ClassNumber:
		return compareNumbers(a, b)
	case ClassString:
		return strings.Compare(a.(string), b.(string))
	case ClassObject:
		return compareDocuments(a.(*Document), b.(*Document))
	case ClassArray:
		x, y := a.([]any), b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	case ClassBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case ClassDate:
		return compareDates(a, b)
	case ClassRegex:
		x, y := a.(*Regex), b.(*Regex)
		if c := strings.Compare(x.Pattern, y.Pattern); c != 0 {
			return c
		}
		return strings.Compare(x.Options, y.Options)
	}
	return 0
}

func compareDates(a, b Value) int {
	// An unresolved ServerDate sorts by its offset among server dates, after
	// every concrete date; callers resolve them before evaluating.
	x, xok := a.(time.Time)
	y, yok := b.(time.Time)
	switch {
	case xok && yok:
		return cmp.Compare(x.UnixMilli(), y.UnixMilli())
	case xok:
		return -1
	case yok:
		return 1
	}
	return cmp.Compare(a.(ServerDate).OffsetMillis, b.(ServerDate).OffsetMillis)
}

func compareDocuments(x, y *Document) int {
	xf, yf := x.Fields(), y.Fields()
	for i := 0; i < len(xf) && i < len(yf); i++ {
		if c := cmp.Compare(TypeClass(xf[i].Value), TypeClass(yf[i].Value)); c != 0 {
			return c
		}
		if c := strings.Compare(xf[i].Key, yf[i].Key); c != 0 {
			return c
		}
		if c := Compare(xf[i].Value, yf[i].Value); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(xf), len(yf))
}

func compareNumbers(a, b Value) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case float64:
			return -compareFloatInt(y, x)
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return compareFloatInt(x, y)
		case float64:
			return compareFloats(x, y)
		}
	}
	return 0
}

func compareFloats(x, y float64) int {
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return -1
	case yn:
		return 1
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareFloatInt compares a float64 with an int64 exactly.
func compareFloatInt(f float64, i int64) int {
	if math.IsNaN(f) {
		return -1
	}
	if f >= 9223372036854775808.0 {
		return 1
	}
	if f < -9223372036854775808.0 {
		return -1
	}
	t := math.Trunc(f)
	if c := cmp.Compare(int64(t), i); c != 0 {
		return c
	}
	frac := f - t
	switch {
	case frac > 0:
		return 1
	case frac < 0:
		return -1
	}
	return 0
}

// isNumber reports whether v is int64 or float64.
func isNumber(v Value) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toFloat(v Value) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}

// valuesEqual is MongoDB equality: Compare == 0 (1 equals 1.0; documents are
// order-sensitive).
func valuesEqual(a, b Value) bool {
	if TypeClass(a) != TypeClass(b) {
		return false
	}
	return Compare(a, b) == 0
}
