package dbquery

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Aggregation expressions. An expression is compiled once (validating every
// operator) and evaluated per document. A field that does not exist evaluates
// to the unexported `missing` marker, which operators treat like MongoDB
// treats "missing" (usually as null; $project/$addFields omit the field).

type missingT struct{}

var missing = missingT{}

func isMissing(v Value) bool { _, ok := v.(missingT); return ok }

func nullIfMissing(v Value) Value {
	if isMissing(v) {
		return nil
	}
	return v
}

func isNullish(v Value) bool { return v == nil || isMissing(v) }

type compiledExpr struct{ n exprNode }

type exprNode interface {
	eval(root *Document) (Value, error)
}

func (c *compiledExpr) eval(root *Document) (Value, error) { return c.n.eval(root) }

func compileExpr(v Value) (*compiledExpr, error) {
	n, err := compileNode(v, 0)
	if err != nil {
		return nil, err
	}
	return &compiledExpr{n}, nil
}

type constNode struct{ v Value }

func (c constNode) eval(*Document) (Value, error) { return c.v, nil }

type fieldNode struct{ p fieldPath }

func (f fieldNode) eval(root *Document) (Value, error) { return exprPath(root, f.p.parts), nil }

// exprPath resolves "$a.b" the aggregation way: through arrays, collecting
// the values of the sub-path from every document element.
func exprPath(v Value, parts []string) Value {
	for i, part := range parts {
		switch t := v.(type) {
		case *Document:
			c, ok := t.Get(part)
			if !ok {
				return missing
			}
			v = c
		case []any:
			out := make([]any, 0, len(t))
			for _, e := range t {
				if _, ok := e.(*Document); !ok {
					if _, isArr := e.([]any); !isArr {
						continue
					}
				}
				r := exprPath(e, parts[i:])
				if !isMissing(r) {
					out = append(out, r)
				}
			}
			return out
		default:
			return missing
		}
	}
	return v
}

type objectNode struct {
	keys  []string
	nodes []exprNode
}

func (o *objectNode) eval(root *Document) (Value, error) {
	out := &Document{}
	for i, k := range o.keys {
		v, err := o.nodes[i].eval(root)
		if err != nil {
			return nil, err
		}
		if !isMissing(v) {
			out.Set(k, v)
		}
	}
	return out, nil
}

type arrayNode []exprNode

func (a arrayNode) eval(root *Document) (Value, error) {
	out := make([]any, len(a))
	for i, n := range a {
		v, err := n.eval(root)
		if err != nil {
			return nil, err
		}
		out[i] = nullIfMissing(v)
	}
	return out, nil
}

type opNode struct {
	op   string
	args []exprNode
	fn   func(args []Value) (Value, error)
	lazy func(root *Document, args []exprNode) (Value, error)
}

func (o *opNode) eval(root *Document) (Value, error) {
	if o.lazy != nil {
		return o.lazy(root, o.args)
	}
	vals := make([]Value, len(o.args))
	for i, a := range o.args {
		v, err := a.eval(root)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return o.fn(vals)
}

func compileNode(v Value, depth int) (exprNode, error) {
	if depth > maxValueDepth {
		return nil, errors.New("expression nested too deeply")
	}
	switch t := v.(type) {
	case string:
		if strings.HasPrefix(t, "$$") {
			return compileVariable(t)
		}
		if strings.HasPrefix(t, "$") {
			p := t[1:]
			if p == "" || strings.Contains(p, "..") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") {
				return nil, fmt.Errorf("invalid field path %q", t)
			}
			return fieldNode{newPath(p)}, nil
		}
		return constNode{t}, nil
	case []any:
		out := make(arrayNode, len(t))
		for i, e := range t {
			n, err := compileNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case *Document:
		if t.Len() == 1 && strings.HasPrefix(t.fields[0].Key, "$") {
			return compileOperator(t.fields[0].Key, t.fields[0].Value, depth)
		}
		o := &objectNode{}
		for _, f := range t.Fields() {
			if strings.HasPrefix(f.Key, "$") {
				return nil, fmt.Errorf("unsupported operator %s (an expression object with an operator must have exactly one key)", f.Key)
			}
			n, err := compileNode(f.Value, depth+1)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, f.Key)
			o.nodes = append(o.nodes, n)
		}
		return o, nil
	case ServerDate:
		return constNode{toDate(time.Now().Add(time.Duration(t.OffsetMillis) * time.Millisecond))}, nil
	}
	return constNode{v}, nil
}

type rootPathNode struct{ parts []string }

func (r rootPathNode) eval(root *Document) (Value, error) {
	if len(r.parts) == 0 {
		return root, nil
	}
	return exprPath(root, r.parts), nil
}

func compileVariable(s string) (exprNode, error) {
	name, rest, _ := strings.Cut(s[2:], ".")
	var parts []string
	if rest != "" {
		parts = strings.Split(rest, ".")
	}
	switch name {
	case "ROOT", "CURRENT":
		return rootPathNode{parts}, nil
	case "REMOVE":
		return constNode{missing}, nil
	}
	return nil, fmt.Errorf("unsupported variable $$%s", name)
}

// exprArgs normalises an operator argument to a list (a non-array argument is
// a single argument).
func exprArgs(v Value) []Value {
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []Value{v}
}

func compileOperator(op string, arg Value, depth int) (exprNode, error) {
	if op == "$literal" {
		return constNode{arg}, nil
	}
	if op == "$cond" {
		if d, ok := arg.(*Document); ok {
			i, ok1 := d.Get("if")
			th, ok2 := d.Get("then")
			el, ok3 := d.Get("else")
			if !ok1 || !ok2 || !ok3 || d.Len() != 3 {
				return nil, errors.New("$cond needs {if, then, else}")
			}
			arg = []any{i, th, el}
		}
	}
	exprOpsOnce.Do(buildExprOps)
	def, ok := exprOps[op]
	if !ok {
		return nil, unsupportedOp(op)
	}
	raw := exprArgs(arg)
	if def.min >= 0 && (len(raw) < def.min || (def.max >= 0 && len(raw) > def.max)) {
		switch {
		case def.min == def.max:
			return nil, fmt.Errorf("%s takes exactly %d argument(s), got %d", op, def.min, len(raw))
		case def.max < 0:
			return nil, fmt.Errorf("%s takes at least %d argument(s), got %d", op, def.min, len(raw))
		}
		return nil, fmt.Errorf("%s takes %d to %d arguments, got %d", op, def.min, def.max, len(raw))
	}
	args := make([]exprNode, len(raw))
	for i, a := range raw {
		n, err := compileNode(a, depth+1)
		if err != nil {
			return nil, err
		}
		args[i] = n
	}
	node := &opNode{op: op, args: args, fn: def.fn, lazy: def.lazy}
	if def.fn != nil {
		fn := def.fn
		node.fn = func(vals []Value) (Value, error) {
			v, err := fn(vals)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			return v, nil
		}
	}
	return node, nil
}

type exprOpDef struct {
	min, max int // argument count bounds (-1: unbounded)
	fn       func(args []Value) (Value, error)
	lazy     func(root *Document, args []exprNode) (Value, error)
}

// exprOps is built on first use (buildExprOps, through exprOpsOnce), not
// at init: every tcb command links this package.
var (
	exprOps     map[string]exprOpDef
	exprOpsOnce sync.Once
)

func buildExprOps() {
	exprOps = map[string]exprOpDef{
		"$add":      {0, -1, opAdd, nil},
		"$subtract": {2, 2, opSubtract, nil},
		"$multiply": {0, -1, opMultiply, nil},
		"$divide":   {2, 2, opDivide, nil},
		"$mod":      {2, 2, opMod, nil},
		"$abs":      {1, 1, mathUnary(math.Abs, intAbs), nil},
		"$ceil":     {1, 1, mathUnary(math.Ceil, intSame), nil},
		"$floor":    {1, 1, mathUnary(math.Floor, intSame), nil},
		"$trunc":    {1, 1, mathUnary(math.Trunc, intSame), nil},
		"$sqrt":     {1, 1, mathUnary(math.Sqrt, nil), nil},
		"$exp":      {1, 1, mathUnary(math.Exp, nil), nil},
		"$ln":       {1, 1, mathUnary(math.Log, nil), nil},
		"$log10":    {1, 1, mathUnary(math.Log10, nil), nil},
		"$pow":      {2, 2, opPow, nil},

		"$concat":   {0, -1, opConcat, nil},
		"$toLower":  {1, 1, opCase(strings.ToLower), nil},
		"$toUpper":  {1, 1, opCase(strings.ToUpper), nil},
		"$strLenCP": {1, 1, opStrLenCP, nil},
		"$substrCP": {3, 3, opSubstrCP, nil},
		"$split":    {2, 2, opSplit, nil},

		"$size":         {1, 1, opSize, nil},
		"$arrayElemAt":  {2, 2, opArrayElemAt, nil},
		"$in":           {2, 2, opIn, nil},
		"$concatArrays": {0, -1, opConcatArrays, nil},
		"$isArray":      {1, 1, func(a []Value) (Value, error) { _, ok := a[0].([]any); return ok, nil }, nil},
		"$reverseArray": {1, 1, opReverseArray, nil},
		"$slice":        {2, 3, opSlice, nil},

		"$and": {0, -1, nil, lazyAnd},
		"$or":  {0, -1, nil, lazyOr},
		"$not": {1, 1, func(a []Value) (Value, error) { return !aggTruthy(a[0]), nil }, nil},

		"$eq":  {2, 2, cmpOp(func(c int) bool { return c == 0 }), nil},
		"$ne":  {2, 2, cmpOp(func(c int) bool { return c != 0 }), nil},
		"$gt":  {2, 2, cmpOp(func(c int) bool { return c > 0 }), nil},
		"$gte": {2, 2, cmpOp(func(c int) bool { return c >= 0 }), nil},
		"$lt":  {2, 2, cmpOp(func(c int) bool { return c < 0 }), nil},
		"$lte": {2, 2, cmpOp(func(c int) bool { return c <= 0 }), nil},
		"$cmp": {2, 2, func(a []Value) (Value, error) { return int64(aggCompare(a[0], a[1])), nil }, nil},

		"$cond":   {3, 3, nil, lazyCond},
		"$ifNull": {2, -1, nil, lazyIfNull},

		"$sum": {1, -1, exprAccumulator("$sum"), nil},
		"$avg": {1, -1, exprAccumulator("$avg"), nil},
		"$min": {1, -1, exprAccumulator("$min"), nil},
		"$max": {1, -1, exprAccumulator("$max"), nil},

		"$mergeObjects": {0, -1, opMergeObjects, nil},

		"$year":        {1, 1, datePart(func(t time.Time) int64 { return int64(t.Year()) }), nil},
		"$month":       {1, 1, datePart(func(t time.Time) int64 { return int64(t.Month()) }), nil},
		"$dayOfMonth":  {1, 1, datePart(func(t time.Time) int64 { return int64(t.Day()) }), nil},
		"$hour":        {1, 1, datePart(func(t time.Time) int64 { return int64(t.Hour()) }), nil},
		"$minute":      {1, 1, datePart(func(t time.Time) int64 { return int64(t.Minute()) }), nil},
		"$second":      {1, 1, datePart(func(t time.Time) int64 { return int64(t.Second()) }), nil},
		"$millisecond": {1, 1, datePart(func(t time.Time) int64 { return int64(t.Nanosecond() / 1e6) }), nil},
		"$dayOfWeek":   {1, 1, datePart(func(t time.Time) int64 { return int64(t.Weekday()) + 1 }), nil},
		"$dayOfYear":   {1, 1, datePart(func(t time.Time) int64 { return int64(t.YearDay()) }), nil},
	}
}

// aggTruthy is MongoDB's expression truthiness: false, null, missing and
// numeric zero are false; everything else (including "" and []) is true.
func aggTruthy(v Value) bool {
	switch t := v.(type) {
	case nil, missingT:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0
	}
	return true
}

// aggCompare compares like Compare, with missing below null.
func aggCompare(a, b Value) int {
	am, bm := isMissing(a), isMissing(b)
	switch {
	case am && bm:
		return 0
	case am:
		return -1
	case bm:
		return 1
	}
	return Compare(a, b)
}

func cmpOp(pred func(int) bool) func([]Value) (Value, error) {
	return func(a []Value) (Value, error) { return pred(aggCompare(a[0], a[1])), nil }
}

func lazyAnd(root *Document, args []exprNode) (Value, error) {
	for _, a := range args {
		v, err := a.eval(root)
		if err != nil {
			return nil, err
		}
		if !aggTruthy(v) {
			return false, nil
		}
	}
	return true, nil
}

func lazyOr(root *Document, args []exprNode) (Value, error) {
	for _, a := range args {
		v, err := a.eval(root)
		if err != nil {
			return nil, err
		}
		if aggTruthy(v) {
			return true, nil
		}
	}
	return false, nil
}

func lazyCond(root *Document, args []exprNode) (Value, error) {
	c, err := args[0].eval(root)
	if err != nil {
		return nil, err
	}
	if aggTruthy(c) {
		return args[1].eval(root)
	}
	return args[2].eval(root)
}

func lazyIfNull(root *Document, args []exprNode) (Value, error) {
	for i, a := range args {
		v, err := a.eval(root)
		if err != nil {
			return nil, err
		}
		if !isNullish(v) || i == len(args)-1 {
			return v, nil
		}
	}
	return nil, nil
}

// ---------- arithmetic ----------

func addNumbers(a, b Value) Value {
	x, xi := a.(int64)
	y, yi := b.(int64)
	if xi && yi {
		s := x + y
		if (s > x) == (y > 0) {
			return s
		}
		return float64(x) + float64(y)
	}
	fx, _ := toFloat(a)
	fy, _ := toFloat(b)
	return fx + fy
}

func mulNumbers(a, b Value) Value {
	x, xi := a.(int64)
	y, yi := b.(int64)
	if xi && yi {
		if x == 0 || y == 0 {
			return int64(0)
		}
		p := x * y
		if p/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
			return p
		}
		return float64(x) * float64(y)
	}
	fx, _ := toFloat(a)
	fy, _ := toFloat(b)
	return fx * fy
}

func opAdd(args []Value) (Value, error) {
	var sum Value = int64(0)
	var date *time.Time
	for _, a := range args {
		switch t := a.(type) {
		case nil, missingT:
			return nil, nil
		case int64, float64:
			sum = addNumbers(sum, t)
		case time.Time:
			if date != nil {
				return nil, errors.New("only one date allowed")
			}
			tt := t
			date = &tt
		default:
			return nil, fmt.Errorf("only numbers and dates can be added, not %s", typeName(a))
		}
	}
	if date != nil {
		f, _ := toFloat(sum)
		return DateFromMillis(date.UnixMilli() + int64(math.Round(f))), nil
	}
	return sum, nil
}

func opSubtract(a []Value) (Value, error) {
	if isNullish(a[0]) || isNullish(a[1]) {
		return nil, nil
	}
	switch x := a[0].(type) {
	case time.Time:
		switch y := a[1].(type) {
		case time.Time:
			return x.UnixMilli() - y.UnixMilli(), nil
		case int64, float64:
			f, _ := toFloat(y)
			return DateFromMillis(x.UnixMilli() - int64(math.Round(f))), nil
		}
	case int64, float64:
		if isNumber(a[1]) {
			return addNumbers(x, negate(a[1])), nil
		}
	}
	return nil, fmt.Errorf("cannot subtract %s from %s", typeName(a[1]), typeName(a[0]))
}

func negate(v Value) Value {
	switch t := v.(type) {
	case int64:
		if t == math.MinInt64 {
			return -float64(t)
		}
		return -t
	case float64:
		return -t
	}
	return v
}

func opMultiply(args []Value) (Value, error) {
	var p Value = int64(1)
	for _, a := range args {
		switch a.(type) {
		case nil, missingT:
			return nil, nil
		case int64, float64:
			p = mulNumbers(p, a)
		default:
			return nil, fmt.Errorf("only numbers can be multiplied, not %s", typeName(a))
		}
	}
	return p, nil
}

func twoNumbers(a []Value) (float64, float64, bool, error) {
	if isNullish(a[0]) || isNullish(a[1]) {
		return 0, 0, false, nil
	}
	x, ok1 := toFloat(a[0])
	y, ok2 := toFloat(a[1])
	if !ok1 || !ok2 {
		return 0, 0, false, fmt.Errorf("only numbers are supported, not %s and %s", typeName(a[0]), typeName(a[1]))
	}
	return x, y, true, nil
}

func opDivide(a []Value) (Value, error) {
	x, y, ok, err := twoNumbers(a)
	if !ok || err != nil {
		return nil, err
	}
	if y == 0 {
		return nil, errors.New("can't divide by zero")
	}
	return x / y, nil
}

func opMod(a []Value) (Value, error) {
	x, y, ok, err := twoNumbers(a)
	if !ok || err != nil {
		return nil, err
	}
	if y == 0 {
		return nil, errors.New("can't mod by zero")
	}
	xi, xok := a[0].(int64)
	yi, yok := a[1].(int64)
	if xok && yok {
		if yi == -1 {
			return int64(0), nil
		}
		return xi % yi, nil
	}
	return math.Mod(x, y), nil
}

func opPow(a []Value) (Value, error) {
	x, y, ok, err := twoNumbers(a)
	if !ok || err != nil {
		return nil, err
	}
	if x == 0 && y < 0 {
		return nil, errors.New("0 cannot be raised to a negative power")
	}
	r := math.Pow(x, y)
	_, xi := a[0].(int64)
	_, yi := a[1].(int64)
	if xi && yi && y >= 0 && math.Abs(r) < 1<<62 {
		return int64(r), nil
	}
	return r, nil
}

// mathUnary applies f to a number; intFn, when set, handles int64 inputs
// (abs/ceil/floor/trunc keep integers integral).
func mathUnary(f func(float64) float64, intFn func(int64) Value) func([]Value) (Value, error) {
	return func(a []Value) (Value, error) {
		if isNullish(a[0]) {
			return nil, nil
		}
		if i, ok := a[0].(int64); ok && intFn != nil {
			return intFn(i), nil
		}
		x, ok := toFloat(a[0])
		if !ok {
			return nil, fmt.Errorf("only numbers are supported, not %s", typeName(a[0]))
		}
		return f(x), nil
	}
}

func intAbs(i int64) Value {
	if i >= 0 {
		return i
	}
	if i == math.MinInt64 {
		return -float64(i)
	}
	return -i
}

func intSame(i int64) Value { return i }

// ---------- strings ----------

func opConcat(args []Value) (Value, error) {
	var b strings.Builder
	for _, a := range args {
		switch t := a.(type) {
		case nil, missingT:
			return nil, nil
		case string:
			b.WriteString(t)
		default:
			return nil, fmt.Errorf("only strings can be concatenated, not %s", typeName(a))
		}
	}
	return b.String(), nil
}

func opCase(f func(string) string) func([]Value) (Value, error) {
	return func(a []Value) (Value, error) {
		switch t := a[0].(type) {
		case nil, missingT:
			return "", nil
		case string:
			return f(t), nil
		case int64:
			return strconv.FormatInt(t, 10), nil
		case float64:
			return strconv.FormatFloat(t, 'g', -1, 64), nil
		case time.Time:
			return formatDate(t), nil
		}
		return nil, fmt.Errorf("cannot convert %s to a string", typeName(a[0]))
	}
}

func opStrLenCP(a []Value) (Value, error) {
	s, ok := a[0].(string)
	if !ok {
		return nil, fmt.Errorf("needs a string, not %s", typeName(a[0]))
	}
	return int64(utf8.RuneCountInString(s)), nil
}

func opSubstrCP(a []Value) (Value, error) {
	if isNullish(a[0]) {
		return "", nil
	}
	s, ok := a[0].(string)
	start, ok1 := toInt64(a[1])
	n, ok2 := toInt64(a[2])
	if !ok || !ok1 || !ok2 || start < 0 || n < 0 {
		return nil, errors.New("needs [string, non-negative start, non-negative length]")
	}
	r := []rune(s)
	if start >= int64(len(r)) {
		return "", nil
	}
	end := start + n
	if end > int64(len(r)) {
		end = int64(len(r))
	}
	return string(r[start:end]), nil
}

func opSplit(a []Value) (Value, error) {
	if isNullish(a[0]) {
		return nil, nil
	}
	s, ok1 := a[0].(string)
	sep, ok2 := a[1].(string)
	if !ok1 || !ok2 || sep == "" {
		return nil, errors.New("needs [string, non-empty separator string]")
	}
	parts := strings.Split(s, sep)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// ---------- arrays ----------

func opSize(a []Value) (Value, error) {
	arr, ok := a[0].([]any)
	if !ok {
		return nil, fmt.Errorf("the argument must be an array, not %s", typeName(nullIfMissing(a[0])))
	}
	return int64(len(arr)), nil
}

func opArrayElemAt(a []Value) (Value, error) {
	if isNullish(a[0]) || isNullish(a[1]) {
		return nil, nil
	}
	arr, ok := a[0].([]any)
	if !ok {
		return nil, fmt.Errorf("first argument must be an array, not %s", typeName(a[0]))
	}
	i, ok := toInt64(a[1])
	if !ok {
		return nil, errors.New("second argument must be an integer")
	}
	if i < 0 {
		i += int64(len(arr))
	}
	if i < 0 || i >= int64(len(arr)) {
		return missing, nil
	}
	return arr[i], nil
}

func opIn(a []Value) (Value, error) {
	arr, ok := a[1].([]any)
	if !ok {
		return nil, fmt.Errorf("second argument must be an array, not %s", typeName(nullIfMissing(a[1])))
	}
	for _, e := range arr {
		if aggCompare(a[0], e) == 0 {
			return true, nil
		}
	}
	return false, nil
}

func opConcatArrays(args []Value) (Value, error) {
	out := []any{}
	for _, a := range args {
		switch t := a.(type) {
		case nil, missingT:
			return nil, nil
		case []any:
			out = append(out, t...)
		default:
			return nil, fmt.Errorf("only arrays can be concatenated, not %s", typeName(a))
		}
	}
	return out, nil
}

func opReverseArray(a []Value) (Value, error) {
	if isNullish(a[0]) {
		return nil, nil
	}
	arr, ok := a[0].([]any)
	if !ok {
		return nil, fmt.Errorf("the argument must be an array, not %s", typeName(a[0]))
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		out[len(arr)-1-i] = e
	}
	return out, nil
}

func opSlice(a []Value) (Value, error) {
	for _, x := range a {
		if isNullish(x) {
			return nil, nil
		}
	}
	arr, ok := a[0].([]any)
	if !ok {
		return nil, fmt.Errorf("first argument must be an array, not %s", typeName(a[0]))
	}
	n := int64(len(arr))
	if len(a) == 2 {
		k, ok := toInt64(a[1])
		if !ok {
			return nil, errors.New("count must be an integer")
		}
		if k >= 0 {
			return append([]any{}, arr[:min(k, n)]...), nil
		}
		return append([]any{}, arr[max(n+k, 0):]...), nil
	}
	pos, ok1 := toInt64(a[1])
	k, ok2 := toInt64(a[2])
	if !ok1 || !ok2 || k <= 0 {
		return nil, errors.New("needs [array, position, positive count]")
	}
	if pos < 0 {
		pos = max(n+pos, 0)
	}
	if pos >= n {
		return []any{}, nil
	}
	return append([]any{}, arr[pos:min(pos+k, n)]...), nil
}

func opMergeObjects(args []Value) (Value, error) {
	out := &Document{}
	for _, a := range args {
		switch t := a.(type) {
		case nil, missingT:
		case *Document:
			for _, f := range t.Fields() {
				out.Set(f.Key, f.Value)
			}
		default:
			return nil, fmt.Errorf("only objects can be merged, not %s", typeName(a))
		}
	}
	return out, nil
}

func datePart(f func(time.Time) int64) func([]Value) (Value, error) {
	return func(a []Value) (Value, error) {
		switch t := a[0].(type) {
		case nil, missingT:
			return nil, nil
		case time.Time:
			return f(t.UTC()), nil
		}
		return nil, fmt.Errorf("needs a date, not %s (time zones are not supported)", typeName(a[0]))
	}
}

// exprAccumulator implements $sum/$avg/$min/$max used as expressions: with
// one array argument they reduce its elements, otherwise their arguments.
func exprAccumulator(op string) func([]Value) (Value, error) {
	return func(a []Value) (Value, error) {
		vals := a
		if len(a) == 1 {
			if arr, ok := a[0].([]any); ok {
				vals = arr
			}
		}
		acc := newAccumulator(op)
		for _, v := range vals {
			acc.add(v)
		}
		return acc.result(), nil
	}
}
