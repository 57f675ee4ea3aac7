package dbquery

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// Parser holds the limits applied while parsing a statement. The zero value
// uses the defaults; a Parser is safe for concurrent use (every Parse gets a
// fresh JavaScript runtime).
//
// The limits bound work by size and steps, never by time, so a statement
// gets the same answer on an idle and on a busy machine: the statement's
// length bounds its syntax tree, the allow-list rules out loops and
// functions (every node runs at most once), MaxCalls bounds the calls into
// the DSL (chains such as .orderBy() repeated, command chains, values
// built), and MaxNodes and MaxDepth the values converted. Timeout is only a
// last guard against a hung process.
type Parser struct {
	// MaxLength caps the statement size in bytes (default 64 KiB).
	MaxLength int
	// MaxCalls caps the DSL calls a statement makes (default 2000).
	MaxCalls int
	// Timeout stops a run that is still going after it (default 30 s): a
	// guard against a hung process, not a limit a valid statement meets.
	Timeout time.Duration
	// MaxDepth caps the nesting of objects/arrays in values and of the
	// syntax (default 100).
	MaxDepth int
	// MaxNodes caps the number of values converted from JavaScript (default
	// 100 000).
	MaxNodes int
	// Now returns the time used by new Date() without arguments and
	// Date.now() (default time.Now).
	Now func() time.Time
}

// Defaults for Parser.
const (
	DefaultMaxStatementLength = 64 << 10
	DefaultMaxCalls           = 2000
	DefaultParseTimeout       = 30 * time.Second
	DefaultMaxDepth           = 100
	DefaultMaxNodes           = 100_000
	maxASTDepth               = 10000
)

var defaultParser = &Parser{}

// Parse parses one statement with the default limits.
func Parse(stmt string) (*Query, error) { return defaultParser.Parse(stmt) }

func (p *Parser) limits() Parser {
	l := *p
	if l.MaxLength <= 0 {
		l.MaxLength = DefaultMaxStatementLength
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultParseTimeout
	}
	if l.MaxCalls <= 0 {
		l.MaxCalls = DefaultMaxCalls
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// Parse parses one statement into a Query. Errors are *ParseError for syntax
// and allow-list violations, otherwise plain errors naming the problem.
func (p *Parser) Parse(stmt string) (*Query, error) {
	l := p.limits()
	return l.parse(stmt, true)
}

var errTimeout = errors.New("statement took too long to evaluate")

func (p *Parser) parse(stmt string, validate bool) (q *Query, err error) {
	if len(stmt) > p.MaxLength {
		return nil, fmt.Errorf("statement is too long (%d bytes, limit %d)", len(stmt), p.MaxLength)
	}
	if !utf8.ValidString(stmt) {
		return nil, errors.New("statement is not valid UTF-8")
	}
	if strings.TrimSpace(stmt) == "" {
		return nil, errors.New("empty statement")
	}
	syntaxLimit := p.MaxDepth + 20
	if validate && scanNesting(stmt) > syntaxLimit {
		return nil, fmt.Errorf("statement nested too deeply (more than %d levels of brackets)", syntaxLimit)
	}
	defer func() {
		if r := recover(); r != nil {
			// Never format r with %v: it may be a JavaScript value whose
			// conversion to a string would call into the (stripped) runtime.
			msg := fmt.Sprintf("%T", r)
			if e, ok := r.(error); ok {
				if _, isJS := r.(*goja.Exception); !isJS {
					msg = e.Error()
				}
			} else if s, ok := r.(string); ok {
				msg = s
			}
			q, err = nil, fmt.Errorf("internal error while parsing the statement: %s", msg)
		}
	}()
	prog, err := parser.ParseFile(nil, "statement", stmt, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, fmt.Errorf("syntax error: %s", cleanSyntaxError(err))
	}
	if validate {
		v := &validator{src: stmt, maxDepth: maxASTDepth}
		if err := v.program(prog); err != nil {
			return nil, err
		}
	}
	compiled, err := goja.CompileAST(prog, true)
	if err != nil {
		return nil, fmt.Errorf("syntax error: %s", cleanSyntaxError(err))
	}

	s := newSession(p)
	timer := time.AfterFunc(p.Timeout, func() { s.vm.Interrupt(errTimeout) })
	defer timer.Stop()
	res, runErr := s.vm.RunProgram(compiled)
	if s.err != nil {
		return nil, s.err
	}
	if runErr != nil {
		var intr *goja.InterruptedError
		if errors.As(runErr, &intr) {
			return nil, fmt.Errorf("%w (limit %s)", errTimeout, p.Timeout)
		}
		var ex *goja.Exception
		if errors.As(runErr, &ex) {
			return nil, fmt.Errorf("statement failed: %s", describeJSError(ex.Value()))
		}
		return nil, errors.New("statement failed")
	}
	if obj, ok := res.(*goja.Object); ok {
		if t, ok := s.reg[obj].(*terminal); ok {
			return t.q, nil
		}
	}
	return nil, errors.New("statement must end with .get(), .count(), .add(), .update(), .set(), .remove() or .end()")
}

// describeJSError renders a thrown JavaScript value without calling any
// JavaScript (toString and friends are deleted from the sandbox).
func describeJSError(v goja.Value) string {
	obj, ok := v.(*goja.Object)
	if !ok {
		if v == nil {
			return "exception"
		}
		if s, ok := v.Export().(string); ok {
			return s
		}
		return fmt.Sprint(v.Export())
	}
	str := func(name string) string {
		if pv := obj.Get(name); pv != nil {
			if _, isObj := pv.(*goja.Object); !isObj {
				if s, ok := pv.Export().(string); ok {
					return s
				}
			}
		}
		return ""
	}
	name, msg := str("name"), str("message")
	switch {
	case name != "" && msg != "":
		return name + ": " + msg
	case msg != "":
		return msg
	case name != "":
		return name
	}
	return "exception"
}

func cleanSyntaxError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "statement: ")
	return msg
}

// ---------- the runtime session ----------

type session struct {
	p     *Parser
	vm    *goja.Runtime
	reg   map[*goja.Object]any
	nodes int
	calls int
	err   error

	builderProto, terminalProto, commandProto *goja.Object
}

// terminal is the result of a terminal call (.get(), ...).
type terminal struct{ q *Query }

// chain is the immutable state of a builder (collection, query, document or
// aggregate).
type chain struct {
	q     Query
	kind  chainKind
	where bool
	field bool
}

type chainKind int

const (
	kindCollection chainKind = iota
	kindQuery
	kindDocument
	kindAggregate
)

func newSession(p *Parser) *session {
	s := &session{p: p, vm: goja.New(), reg: map[*goja.Object]any{}}
	s.harden()
	s.install()
	return s
}

// fail records err as the statement's error and aborts the JavaScript run.
func (s *session) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	panic(s.vm.NewGoError(err))
}

func (s *session) failf(format string, args ...any) {
	s.fail(fmt.Errorf(format, args...))
}

// harden removes every global except ours and deletes the built-in methods a
// statement could reach through the property allow-list.
func (s *session) harden() {
	vm := s.vm
	g := vm.GlobalObject()
	var protos []*goja.Object
	for _, name := range []string{"Object", "Function", "Array", "String", "Number", "Boolean", "RegExp", "Symbol", "Date", "Error"} {
		if ctor, ok := g.Get(name).(*goja.Object); ok {
			if proto, ok := ctor.Get("prototype").(*goja.Object); ok {
				protos = append(protos, proto)
			}
		}
	}
	for _, proto := range protos {
		for _, name := range proto.GetOwnPropertyNames() {
			if allowedProperties()[name] || name == "constructor" || name == "repeat" || name == "padStart" ||
				name == "padEnd" || name == "fill" || name == "join" || name == "replace" || name == "replaceAll" ||
				name == "matchAll" || name == "search" || name == "toString" || name == "valueOf" || name == "toLocaleString" {
				_ = proto.Delete(name)
			}
		}
		_ = proto.Delete("__defineGetter__")
		_ = proto.Delete("__defineSetter__")
		_ = proto.Delete("__lookupGetter__")
		_ = proto.Delete("__lookupSetter__")
	}
	for _, name := range g.GetOwnPropertyNames() {
		_ = g.Delete(name)
	}
}

func (s *session) install() {
	vm := s.vm
	g := vm.GlobalObject()
	agg := s.aggregateRoot()
	cmd := s.commandRoot(agg)

	db := vm.NewObject()
	db.Set("collection", func(call goja.FunctionCall) goja.Value {
		if len(call.Arguments) != 1 {
			s.failf("db.collection() takes exactly one collection name")
		}
		name, ok := s.conv(call.Argument(0), 0).(string)
		if !ok || name == "" || strings.ContainsAny(name, "$\x00") || len(name) > 255 {
			s.failf("db.collection() needs a collection name (a non-empty string without '$')")
		}
		return s.builder(&chain{q: Query{Collection: name}, kind: kindCollection})
	})
	db.Set("command", cmd)
	db.Set("Geo", s.geoRoot())
	db.Set("serverDate", func(call goja.FunctionCall) goja.Value {
		var off int64
		if len(call.Arguments) > 1 {
			s.failf("db.serverDate() takes at most one argument")
		}
		if len(call.Arguments) == 1 && !goja.IsUndefined(call.Argument(0)) {
			d, ok := s.conv(call.Argument(0), 0).(*Document)
			if !ok {
				s.failf("db.serverDate() takes {offset: milliseconds}")
			}
			for _, f := range d.Fields() {
				n, ok := toInt64(f.Value)
				if f.Key != "offset" || !ok {
					s.failf("db.serverDate() takes {offset: milliseconds}")
				}
				off = n
			}
		}
		return s.register(vm.NewObject(), ServerDate{OffsetMillis: off})
	})
	db.Set("RegExp", func(call goja.FunctionCall) goja.Value {
		d, ok := s.conv(call.Argument(0), 0).(*Document)
		if !ok || len(call.Arguments) != 1 {
			s.failf("db.RegExp() takes {regexp: \"pattern\", options: \"i\"}")
		}
		var pattern, options string
		for _, f := range d.Fields() {
			str, ok := f.Value.(string)
			switch {
			case f.Key == "regexp" && ok:
				pattern = str
			case f.Key == "options" && ok:
				options = str
			default:
				s.failf("db.RegExp(): unexpected option %q (allowed: regexp, options; both strings)", f.Key)
			}
		}
		if !d.Has("regexp") {
			s.failf("db.RegExp() needs a regexp string")
		}
		rx, err := NewRegex(pattern, options)
		if err != nil {
			s.fail(fmt.Errorf("db.RegExp(): %w", err))
		}
		return s.register(vm.NewObject(), rx)
	})

	date := vm.ToValue(func(call goja.ConstructorCall) *goja.Object {
		return s.register(vm.NewObject(), s.newDate(call.Arguments))
	}).(*goja.Object)
	date.Set("now", func(goja.FunctionCall) goja.Value {
		return vm.ToValue(s.p.Now().UnixMilli())
	})

	g.Set("db", db)
	g.Set("_", cmd)
	g.Set("$", agg)
	g.Set("Date", date)
}

func (s *session) register(obj *goja.Object, v any) *goja.Object {
	s.step()
	s.reg[obj] = v
	return obj
}

// step counts one call into the DSL.
func (s *session) step() {
	s.calls++
	if s.calls > s.p.MaxCalls {
		s.failf("statement makes too many calls (limit %d)", s.p.MaxCalls)
	}
}

func (s *session) newDate(args []goja.Value) time.Time {
	switch len(args) {
	case 0:
		return toDate(s.p.Now())
	case 1:
		switch v := s.conv(args[0], 0).(type) {
		case string:
			t, err := parseDateString(v)
			if err != nil {
				s.fail(fmt.Errorf("new Date(): %w", err))
			}
			return t
		case int64:
			return DateFromMillis(v)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 8.64e15 {
				s.failf("new Date(): invalid time value")
			}
			return DateFromMillis(int64(v))
		case time.Time:
			return v
		}
		s.failf("new Date() takes an ISO date string or milliseconds")
	}
	// new Date(year, monthIndex, day, hours, minutes, seconds, ms), in UTC.
	if len(args) > 7 {
		s.failf("new Date() takes at most 7 arguments")
	}
	parts := [7]int64{0, 0, 1, 0, 0, 0, 0}
	for i, a := range args {
		n, ok := toInt64(s.conv(a, 0))
		if !ok {
			s.failf("new Date(year, month, ...) needs integers")
		}
		parts[i] = n
	}
	if parts[0] >= 0 && parts[0] <= 99 {
		parts[0] += 1900
	}
	if parts[0] < -271821 || parts[0] > 275760 {
		s.failf("new Date(): invalid time value")
	}
	t := time.Date(int(parts[0]), time.Month(parts[1]+1), int(parts[2]), int(parts[3]), int(parts[4]), int(parts[5]), int(parts[6])*int(time.Millisecond), time.UTC)
	return toDate(t)
}

// conv converts a JavaScript value into an intermediate value (model values
// plus *command), enforcing the depth and size limits.
func (s *session) conv(v goja.Value, depth int) any {
	s.nodes++
	if s.nodes > s.p.MaxNodes {
		s.failf("statement builds too many values (limit %d)", s.p.MaxNodes)
	}
	if depth > s.p.MaxDepth {
		s.failf("value nested too deeply (limit %d levels)", s.p.MaxDepth)
	}
	if v == nil || goja.IsUndefined(v) {
		s.failf("undefined is not a valid value")
	}
	if goja.IsNull(v) {
		return nil
	}
	obj, isObj := v.(*goja.Object)
	if !isObj {
		switch x := v.Export().(type) {
		case int64:
			return NormalizeNumber(float64(x))
		case float64:
			return NormalizeNumber(x)
		case string:
			if len(x) > s.p.MaxLength*4 {
				s.failf("string value too long")
			}
			// Lone UTF-16 surrogates cannot be represented in UTF-8.
			return strings.ToValidUTF8(x, "\uFFFD")
		case bool:
			return x
		}
		s.failf("unsupported value %s", v.String())
	}
	if n, ok := s.reg[obj]; ok {
		switch t := n.(type) {
		case *chain, *terminal:
			s.failf("a query cannot be used as a value")
		case *Document:
			c := t.Clone()
			c.geo = t.geo
			return c
		}
		return n
	}
	switch obj.ClassName() {
	case "Array":
		n := obj.Get("length").ToInteger()
		if n > int64(s.p.MaxNodes) {
			s.failf("array too large (%d elements)", n)
		}
		arr := make([]any, n)
		for i := int64(0); i < n; i++ {
			arr[i] = s.conv(obj.Get(fmt.Sprint(i)), depth+1)
		}
		return arr
	case "RegExp":
		src := obj.Get("source").String()
		flags := obj.Get("flags").String()
		rx, err := NewRegex(src, flags)
		if err != nil {
			s.fail(err)
		}
		return rx
	case "Object":
		keys := obj.Keys()
		if len(keys) > s.p.MaxNodes {
			s.failf("object too large")
		}
		d := &Document{fields: make([]Field, 0, len(keys))}
		for _, k := range keys {
			v := s.conv(obj.Get(k), depth+1)
			if !utf8.ValidString(k) {
				// Lone surrogates become U+FFFD; keys may then collide.
				d.Set(strings.ToValidUTF8(k, "\uFFFD"), v)
				continue
			}
			d.fields = append(d.fields, Field{Key: k, Value: v})
		}
		return d
	case "Function":
		s.failf("a function is not a valid value")
	}
	s.failf("unsupported value of class %s", obj.ClassName())
	return nil
}

func (s *session) convArgs(args []goja.Value) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = s.conv(a, 0)
	}
	return out
}

// ---------- builders ----------

// allChainMethods are the builders' methods and the aggregate stages, built
// on first use.
var allChainMethods = sync.OnceValue(func() []string {
	m := append([]string{}, builderMethodNames...)
	for _, n := range stageNames {
		if !slices.Contains(m, n) {
			m = append(m, n)
		}
	}
	return m
})

// Builders, terminals and commands get their methods from per-session
// prototypes; the receiver's Go state is found through the registry.

func (s *session) builder(c *chain) *goja.Object {
	if s.builderProto == nil {
		s.builderProto = s.vm.NewObject()
		for _, name := range allChainMethods() {
			name := name
			s.builderProto.Set(name, func(call goja.FunctionCall) goja.Value {
				this, _ := call.This.(*goja.Object)
				c, ok := s.reg[this].(*chain)
				if !ok {
					s.failf(".%s() called on something that is not a query", name)
				}
				s.step()
				return s.call(c, name, call.Arguments)
			})
		}
	}
	obj := s.vm.NewObject()
	_ = obj.SetPrototype(s.builderProto)
	s.reg[obj] = c
	return obj
}

func (s *session) terminal(q Query) goja.Value {
	if s.terminalProto == nil {
		s.terminalProto = s.vm.NewObject()
		for _, name := range allChainMethods() {
			name := name
			s.terminalProto.Set(name, func(call goja.FunctionCall) goja.Value {
				this, _ := call.This.(*goja.Object)
				end := "the terminal call"
				if t, ok := s.reg[this].(*terminal); ok {
					end = "." + terminalName(*t.q) + "()"
				}
				s.failf(".%s() cannot follow the end of the statement (%s)", name, end)
				return nil
			})
		}
	}
	obj := s.vm.NewObject()
	_ = obj.SetPrototype(s.terminalProto)
	qq := q
	s.reg[obj] = &terminal{q: &qq}
	return obj
}

func terminalName(q Query) string {
	switch q.Action {
	case ActionFind:
		return "get"
	case ActionInsert:
		return "add"
	case ActionAggregate:
		return "end"
	}
	return string(q.Action)
}

func kindName(k chainKind) string {
	switch k {
	case kindCollection:
		return "db.collection()"
	case kindQuery:
		return "a query"
	case kindDocument:
		return ".doc(id)"
	}
	return ".aggregate()"
}

// call implements every builder method: aggregate stages after
// .aggregate(), the methods of chainMethods everywhere else.
func (s *session) call(c *chain, name string, args []goja.Value) goja.Value {
	next := *c
	next.q.Sort = append([]SortKey(nil), c.q.Sort...)
	next.q.Pipeline = append([]Stage(nil), c.q.Pipeline...)
	if c.kind == kindAggregate && name != "end" {
		if !slices.Contains(stageNames, name) {
			s.failf(".%s() is not an aggregate stage", name)
		}
		st, err := buildStage(name, s.convArgs(args))
		if err != nil {
			s.fail(err)
		}
		next.q.Pipeline = append(next.q.Pipeline, st)
		return s.builder(&next)
	}
	m, ok := chainMethods[name]
	if !ok {
		s.failf(".%s() is only available after .aggregate()", name)
	}
	if !slices.Contains(m.on, c.kind) {
		s.failf(".%s() is not available on %s", name, kindName(c.kind))
	}
	if m.nargs >= 0 && len(args) != m.nargs {
		if m.nargs == 0 {
			s.failf(".%s() takes no arguments", name)
		}
		s.failf(".%s() takes %d argument(s)", name, m.nargs)
	}
	if m.apply(s, name, c, &next, args) {
		return s.terminal(next.q)
	}
	return s.builder(&next)
}

// chainMethod is a builder method other than a stage: the chains it may
// follow, its number of arguments (dataArgs: one {data: ...}, checked by
// dataArg), and what it makes of the next link. apply reports whether the
// method ends the statement.
type chainMethod struct {
	on    []chainKind
	nargs int
	apply func(s *session, name string, c, next *chain, args []goja.Value) (ends bool)
}

const dataArgs = -1

var (
	onCollection = []chainKind{kindCollection}
	onFilterable = []chainKind{kindCollection, kindQuery}
	onReadable   = []chainKind{kindCollection, kindQuery, kindDocument}
)

var chainMethods = map[string]chainMethod{
	"doc": {onCollection, 1, func(s *session, _ string, _, next *chain, args []goja.Value) bool {
		id := s.conv(args[0], 0)
		switch t := id.(type) {
		case string:
			if t == "" {
				s.failf(".doc() needs a non-empty id")
			}
		case int64, float64:
		default:
			s.failf(".doc() needs a string or number id")
		}
		next.q.DocID, next.q.HasDocID = id, true
		next.kind = kindDocument
		return false
	}},
	"where": {onFilterable, 1, func(s *session, _ string, c, next *chain, args []goja.Value) bool {
		if c.where {
			s.failf(".where() may be used only once")
		}
		f, err := buildFilter(s.conv(args[0], 0))
		if err != nil {
			s.fail(fmt.Errorf("where(): %w", err))
		}
		next.q.Filter, next.where, next.kind = f, true, kindQuery
		return false
	}},
	"field": {onReadable, 1, func(s *session, _ string, c, next *chain, args []goja.Value) bool {
		if c.field {
			s.failf(".field() may be used only once")
		}
		p, err := buildProjection(s.conv(args[0], 0))
		if err != nil {
			s.fail(err)
		}
		next.q.Projection, next.field = p, true
		if c.kind == kindCollection {
			next.kind = kindQuery
		}
		return false
	}},
	"orderBy": {onFilterable, 2, func(s *session, _ string, _, next *chain, args []goja.Value) bool {
		f, ok1 := s.conv(args[0], 0).(string)
		dir, ok2 := s.conv(args[1], 0).(string)
		if !ok1 || f == "" || strings.HasPrefix(f, "$") {
			s.failf(".orderBy() needs a field name")
		}
		if !ok2 || (dir != "asc" && dir != "desc") {
			s.failf(`.orderBy() direction must be "asc" or "desc"`)
		}
		next.q.Sort = append(next.q.Sort, SortKey{Field: f, Desc: dir == "desc"})
		next.kind = kindQuery
		return false
	}},
	"skip": {onFilterable, 1, func(s *session, _ string, c, next *chain, args []goja.Value) bool {
		n, ok := toInt64(s.conv(args[0], 0))
		if !ok || n < 0 {
			s.failf(".skip() needs a non-negative integer")
		}
		if c.q.Skip != nil {
			s.failf(".skip() may be used only once")
		}
		next.q.Skip, next.kind = &n, kindQuery
		return false
	}},
	"limit": {onFilterable, 1, func(s *session, _ string, c, next *chain, args []goja.Value) bool {
		n, ok := toInt64(s.conv(args[0], 0))
		if !ok || n <= 0 {
			s.failf(".limit() needs a positive integer")
		}
		if c.q.Limit != nil {
			s.failf(".limit() may be used only once")
		}
		next.q.Limit, next.kind = &n, kindQuery
		return false
	}},
	"get": {onReadable, 0, func(_ *session, _ string, _, next *chain, _ []goja.Value) bool {
		next.q.Action = ActionFind
		return true
	}},
	"count": {onFilterable, 0, func(_ *session, _ string, _, next *chain, _ []goja.Value) bool {
		next.q.Action = ActionCount
		stripPaging(&next.q)
		return true
	}},
	"add": {onCollection, dataArgs, func(s *session, name string, _, next *chain, args []goja.Value) bool {
		data := s.dataArg(name, args)
		switch t := data.(type) {
		case []any:
			if len(t) == 0 {
				s.failf(".add() needs at least one document")
			}
			for _, e := range t {
				d, err := buildDataDoc(e, "add() data")
				if err != nil {
					s.fail(err)
				}
				next.q.Data = append(next.q.Data, d)
			}
		default:
			d, err := buildDataDoc(data, "add() data")
			if err != nil {
				s.fail(err)
			}
			next.q.Data = []*Document{d}
		}
		next.q.Action = ActionInsert
		return true
	}},
	"update": {onReadable, dataArgs, func(s *session, name string, c, next *chain, args []goja.Value) bool {
		u, err := buildUpdate(s.dataArg(name, args))
		if err != nil {
			s.fail(fmt.Errorf("update(): %w", err))
		}
		next.q.Update, next.q.Action, next.q.Multi = u, ActionUpdate, !c.q.HasDocID
		stripPaging(&next.q)
		return true
	}},
	"set": {[]chainKind{kindDocument}, dataArgs, func(s *session, name string, c, next *chain, args []goja.Value) bool {
		d, err := buildDataDoc(s.dataArg(name, args), "set() data")
		if err != nil {
			s.fail(err)
		}
		if id, ok := d.Get("_id"); ok && !valuesEqual(id, c.q.DocID) {
			s.failf("set() data has an _id different from .doc(id)")
		}
		next.q.Update, next.q.Action, next.q.Upsert = d, ActionSet, true
		stripPaging(&next.q)
		return true
	}},
	"remove": {onReadable, 0, func(_ *session, _ string, c, next *chain, _ []goja.Value) bool {
		next.q.Action, next.q.Multi = ActionRemove, !c.q.HasDocID
		stripPaging(&next.q)
		return true
	}},
	"aggregate": {onCollection, 0, func(_ *session, _ string, _, next *chain, _ []goja.Value) bool {
		next.kind = kindAggregate
		next.q.Pipeline = []Stage{}
		return false
	}},
	"end": {[]chainKind{kindAggregate}, 0, func(_ *session, _ string, _, next *chain, _ []goja.Value) bool {
		next.q.Action = ActionAggregate
		return true
	}},
}

// stripPaging drops orderBy/skip/limit/field, which count(), update() and
// remove() ignore (the SDK sends only the condition for them).
func stripPaging(q *Query) {
	q.Sort, q.Skip, q.Limit, q.Projection = nil, nil, nil, nil
}

// dataArg extracts the data of add/update/set({data: ...}).
func (s *session) dataArg(name string, args []goja.Value) any {
	if len(args) != 1 {
		s.failf(".%s() takes one argument {data: ...}", name)
	}
	d, ok := s.conv(args[0], 0).(*Document)
	if !ok {
		s.failf(".%s() takes {data: ...}", name)
	}
	data, has := d.Get("data")
	if !has || d.Len() != 1 {
		s.failf(".%s() takes exactly {data: ...}", name)
	}
	return data
}

// ---------- db.command and db.command.aggregate ----------

// lazyMethods is a read-only JavaScript object whose methods are created on
// first access (db.command and db.command.aggregate have ~130 of them; a
// statement uses a handful).
type lazyMethods struct {
	vm    *goja.Runtime
	names []string
	has   map[string]bool
	cache map[string]goja.Value
	make  func(name string) goja.Value
}

func (l *lazyMethods) Get(key string) goja.Value {
	if !l.has[key] {
		return nil
	}
	if v, ok := l.cache[key]; ok {
		return v
	}
	v := l.make(key)
	l.cache[key] = v
	return v
}
func (l *lazyMethods) Set(string, goja.Value) bool { return false }
func (l *lazyMethods) Has(key string) bool         { return l.has[key] }
func (l *lazyMethods) Delete(string) bool          { return false }
func (l *lazyMethods) Keys() []string              { return l.names }

func (s *session) lazyObject(names []string, mk func(name string) goja.Value) *goja.Object {
	has := nameSet(names)
	return s.vm.NewDynamicObject(&lazyMethods{vm: s.vm, names: names, has: has, cache: map[string]goja.Value{}, make: mk})
}

func nameSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (s *session) commandRoot(agg *goja.Object) *goja.Object {
	return s.lazyObject(commandNames, func(name string) goja.Value {
		switch name {
		case "aggregate":
			return agg
		case "bit":
			return s.vm.ToValue(func(goja.FunctionCall) goja.Value {
				s.failf("unsupported: db.command.%s", name)
				return nil
			})
		}
		return s.vm.ToValue(func(call goja.FunctionCall) goja.Value {
			return s.newCommand(name, s.convArgs(call.Arguments))
		})
	})
}

func commandKindOf(name string) cmdKind {
	switch name {
	case "and", "or", "nor", "not":
		return cmdLogic
	case "expr":
		return cmdExpr
	}
	if _, ok := queryOps[name]; ok {
		return cmdQuery
	}
	return cmdUpdate
}

func (s *session) newCommand(name string, args []any) goja.Value {
	c := &command{kind: commandKindOf(name), op: name, args: args}
	if c.kind == cmdExpr && len(args) != 1 {
		s.failf("_.expr() takes one aggregate expression")
	}
	if c.kind == cmdLogic && name == "not" && len(args) != 1 {
		s.failf("_.not() takes exactly one condition")
	}
	return s.commandObject(c)
}

// commandObject wraps a command for JavaScript. Query and logic commands can
// be chained: _.gt(1).lt(5) and _.gt(1).and(_.lt(5)) are AND, .or() is OR.
func (s *session) commandObject(c *command) goja.Value {
	s.step()
	obj := s.vm.NewObject()
	s.reg[obj] = c
	if c.kind != cmdQuery && c.kind != cmdLogic {
		return obj
	}
	if s.commandProto == nil {
		s.commandProto = s.vm.NewObject()
		receiver := func(call goja.FunctionCall, name string) *command {
			this, _ := call.This.(*goja.Object)
			c, ok := s.reg[this].(*command)
			if !ok {
				s.failf(".%s() called on something that is not a command", name)
			}
			return c
		}
		for op := range queryOps {
			op := op
			s.commandProto.Set(op, func(call goja.FunctionCall) goja.Value {
				c := receiver(call, op)
				other := &command{kind: cmdQuery, op: op, args: s.convArgs(call.Arguments)}
				return s.commandObject(&command{kind: cmdLogic, op: "and", args: []any{c, other}})
			})
		}
		for _, op := range []string{"and", "or"} {
			op := op
			s.commandProto.Set(op, func(call goja.FunctionCall) goja.Value {
				c := receiver(call, op)
				args := s.convArgs(call.Arguments)
				if len(args) == 1 {
					if arr, ok := args[0].([]any); ok {
						args = arr
					}
				}
				if len(args) == 0 {
					s.failf(".%s() needs at least one condition", op)
				}
				return s.commandObject(&command{kind: cmdLogic, op: op, args: append([]any{c}, args...)})
			})
		}
	}
	_ = obj.SetPrototype(s.commandProto)
	return obj
}

func (s *session) aggregateRoot() *goja.Object {
	return s.lazyObject(aggregateOperatorNames, func(name string) goja.Value {
		op := "$" + name
		if name == "neq" {
			op = "$ne"
		}
		return s.vm.ToValue(func(call goja.FunctionCall) goja.Value {
			args := s.convArgs(call.Arguments)
			var arg any
			switch len(args) {
			case 0:
				arg = []any{}
			case 1:
				arg = args[0]
			default:
				arg = args
			}
			v, err := plainValue(arg, "db.command.aggregate."+name)
			if err != nil {
				s.fail(err)
			}
			return s.register(s.vm.NewObject(), D(op, v))
		})
	})
}
