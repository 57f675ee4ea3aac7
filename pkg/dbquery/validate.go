package dbquery

import (
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// The statement language is a single JavaScript expression built from a small
// set of constructs. Before anything runs, the syntax tree is checked against
// this allow-list so that loops, functions, assignments, variables, `this`
// and computed member access never reach the runtime.

// allowedIdentifiers are the free names a statement may use.
var allowedIdentifiers = map[string]bool{
	"db": true, "_": true, "$": true, "Date": true,
	"undefined": true, "NaN": true, "Infinity": true,
}

// aggregateOperatorNames are the db.command.aggregate ($) operators of the SDK.
var aggregateOperatorNames = []string{
	"abs", "add", "ceil", "divide", "exp", "floor", "ln", "log", "log10", "mod", "multiply", "pow", "sqrt", "subtract", "trunc",
	"arrayElemAt", "arrayToObject", "concatArrays", "filter", "in", "indexOfArray", "isArray", "map", "range", "reduce", "reverseArray", "size", "slice", "zip",
	"and", "not", "or",
	"cmp", "eq", "gt", "gte", "lt", "lte", "neq",
	"cond", "ifNull", "switch",
	"dateFromParts", "dateFromString", "dayOfMonth", "dayOfWeek", "dayOfYear", "isoDayOfWeek", "isoWeek", "isoWeekYear", "millisecond", "minute", "month", "second", "hour", "week", "year", "dateToString",
	"literal", "mergeObjects", "objectToArray",
	"allElementsTrue", "anyElementTrue", "setDifference", "setEquals", "setIntersection", "setIsSubset", "setUnion",
	"concat", "indexOfBytes", "indexOfCP", "split", "strLenBytes", "strLenCP", "strcasecmp", "substr", "substrBytes", "substrCP", "toLower", "toUpper",
	"addToSet", "avg", "first", "last", "max", "min", "push", "stdDevPop", "stdDevSamp", "sum",
	"let", "meta",
}

// builderMethodNames are the methods of collection / query / document /
// aggregate builders.
var builderMethodNames = []string{
	"doc", "where", "field", "orderBy", "skip", "limit", "get", "count", "add", "update", "set", "remove",
	"aggregate", "end", "geoNear",
}

var commandNames = []string{
	"eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "exists", "size", "mod", "all", "elemMatch",
	"and", "or", "nor", "not", "expr",
	"set", "remove", "inc", "mul", "min", "max", "rename", "push", "pop", "shift", "unshift", "addToSet", "pull", "pullAll",
	"geoNear", "geoWithin", "geoIntersects", "bit", "aggregate",
}

// allowedProperties is every property name a statement may access with
// "."; it is built on first use, not when tcb starts.
var allowedProperties = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{
		"collection": true, "command": true, "serverDate": true, "RegExp": true, "Geo": true, "now": true,
	}
	for _, list := range [][]string{aggregateOperatorNames, builderMethodNames, stageNames, commandNames, geoConstructorNames} {
		for _, n := range list {
			m[n] = true
		}
	}
	return m
})

type validator struct {
	src      string
	maxDepth int
}

func (v *validator) errAt(n ast.Node, format string, args ...any) error {
	off := int(n.Idx0()) - 1
	line, col := lineCol(v.src, off)
	return &ParseError{Offset: off, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (v *validator) program(p *ast.Program) error {
	var stmt *ast.ExpressionStatement
	for _, s := range p.Body {
		switch t := s.(type) {
		case *ast.EmptyStatement:
			continue
		case *ast.ExpressionStatement:
			if stmt != nil {
				return v.errAt(t, "only one statement is allowed")
			}
			stmt = t
		default:
			return v.errAt(s, "unsupported syntax: %s (a statement is a single expression such as db.collection(\"name\").get())", statementKind(s))
		}
	}
	if stmt == nil {
		return &ParseError{Offset: -1, Msg: "empty statement"}
	}
	if err := v.expr(stmt.Expression, 0); err != nil {
		return err
	}
	return v.checkStart(stmt.Expression)
}

// checkStart verifies that the statement is a call chain rooted at
// db.collection(...).
func (v *validator) checkStart(e ast.Expression) error {
	cur := e
	for {
		switch t := cur.(type) {
		case *ast.CallExpression:
			if d, ok := t.Callee.(*ast.DotExpression); ok {
				if id, ok := d.Left.(*ast.Identifier); ok && id.Name == "db" && d.Identifier.Name == "collection" {
					if cur == e {
						return v.errAt(e, "statement must end with .get(), .count(), .add(), .update(), .set(), .remove() or .end()")
					}
					return nil
				}
				cur = d.Left
				continue
			}
		case *ast.DotExpression:
			cur = t.Left
			continue
		}
		return v.errAt(e, "statement must start with db.collection(\"name\")")
	}
}

func (v *validator) expr(e ast.Expression, depth int) error {
	if depth > v.maxDepth {
		return v.errAt(e, "statement nested too deeply (more than %d levels)", v.maxDepth)
	}
	d := depth + 1
	switch t := e.(type) {
	case *ast.StringLiteral, *ast.BooleanLiteral, *ast.NullLiteral:
		return nil
	case *ast.NumberLiteral:
		if _, ok := t.Value.(*big.Int); ok {
			return v.errAt(t, "unsupported syntax: BigInt literal")
		}
		return nil
	case *ast.RegExpLiteral:
		return nil
	case *ast.TemplateLiteral:
		if t.Tag != nil {
			return v.errAt(t, "unsupported syntax: tagged template")
		}
		for _, x := range t.Expressions {
			if err := v.expr(x, d); err != nil {
				return err
			}
		}
		return nil
	case *ast.Identifier:
		name := string(t.Name)
		if !allowedIdentifiers[name] {
			return v.errAt(t, "unknown identifier %q (only db, _, $ and Date are available)", name)
		}
		return nil
	case *ast.DotExpression:
		name := string(t.Identifier.Name)
		if !allowedProperties()[name] {
			return v.errAt(t, "unsupported: .%s", name)
		}
		return v.expr(t.Left, d)
	case *ast.CallExpression:
		if _, ok := t.Callee.(*ast.DotExpression); !ok {
			if id, ok := t.Callee.(*ast.Identifier); ok && id.Name == "Date" {
				return v.errAt(t, "use new Date(...)")
			}
			return v.errAt(t, "unsupported syntax: only method calls such as db.collection(...) are allowed")
		}
		if err := v.expr(t.Callee, d); err != nil {
			return err
		}
		return v.list(t.ArgumentList, d)
	case *ast.NewExpression:
		if isGeoConstructor(t.Callee) {
			if err := v.expr(t.Callee, d); err != nil {
				return err
			}
			return v.list(t.ArgumentList, d)
		}
		id, ok := t.Callee.(*ast.Identifier)
		if !ok || id.Name != "Date" {
			if dot, ok := t.Callee.(*ast.DotExpression); ok {
				if err := v.expr(dot, d); err != nil {
					return err
				}
			}
			return v.errAt(t, "unsupported syntax: new is only allowed as new Date(...) and new db.Geo.<Type>(...)")
		}
		return v.list(t.ArgumentList, d)
	case *ast.ObjectLiteral:
		for _, p := range t.Value {
			switch pt := p.(type) {
			case *ast.PropertyKeyed:
				if pt.Computed {
					return v.errAt(pt, "unsupported syntax: computed property name")
				}
				if pt.Kind != ast.PropertyKindValue {
					return v.errAt(pt, "unsupported syntax: %s in object literal", pt.Kind)
				}
				if key := propertyKeyName(pt.Key); key == "__proto__" {
					return v.errAt(pt, "unsupported: __proto__ as a field name")
				}
				if err := v.expr(pt.Value, d); err != nil {
					return err
				}
			case *ast.PropertyShort:
				return v.errAt(pt, "unsupported syntax: shorthand property %q (write %s: value)", pt.Name.Name, pt.Name.Name)
			case *ast.SpreadElement:
				return v.errAt(pt, "unsupported syntax: spread (...)")
			default:
				return v.errAt(p, "unsupported syntax in object literal")
			}
		}
		return nil
	case *ast.ArrayLiteral:
		for _, el := range t.Value {
			if el == nil {
				return v.errAt(t, "unsupported syntax: array hole")
			}
		}
		return v.list(t.Value, d)
	case *ast.UnaryExpression:
		switch t.Operator {
		case token.MINUS, token.PLUS, token.NOT:
			if t.Postfix {
				break
			}
			return v.expr(t.Operand, d)
		}
		return v.errAt(t, "unsupported syntax: operator %s", t.Operator)
	case *ast.BinaryExpression:
		switch t.Operator {
		case token.PLUS, token.MINUS, token.MULTIPLY, token.SLASH, token.REMAINDER, token.EXPONENT:
			if err := v.expr(t.Left, d); err != nil {
				return err
			}
			return v.expr(t.Right, d)
		}
		return v.errAt(t, "unsupported syntax: operator %s", t.Operator)
	case *ast.ThisExpression:
		return v.errAt(t, "unsupported: this")
	case *ast.SpreadElement:
		return v.errAt(t, "unsupported syntax: spread (...)")
	case *ast.FunctionLiteral, *ast.ArrowFunctionLiteral:
		return v.errAt(e, "unsupported syntax: function")
	case *ast.ClassLiteral:
		return v.errAt(e, "unsupported syntax: class")
	case *ast.AssignExpression:
		return v.errAt(e, "unsupported syntax: assignment")
	case *ast.SequenceExpression:
		return v.errAt(e, "unsupported syntax: comma expression (only one statement is allowed)")
	case *ast.BracketExpression:
		return v.errAt(e, "unsupported syntax: computed member access [...] (use .name)")
	case *ast.ConditionalExpression:
		return v.errAt(e, "unsupported syntax: conditional expression")
	case *ast.OptionalChain, *ast.Optional:
		return v.errAt(e, "unsupported syntax: optional chaining")
	case *ast.YieldExpression, *ast.AwaitExpression:
		return v.errAt(e, "unsupported syntax: yield/await")
	case *ast.MetaProperty:
		return v.errAt(e, "unsupported syntax: meta property")
	case *ast.SuperExpression:
		return v.errAt(e, "unsupported: super")
	}
	return v.errAt(e, "unsupported syntax: %T", e)
}

func (v *validator) list(items []ast.Expression, depth int) error {
	for _, x := range items {
		if err := v.expr(x, depth); err != nil {
			return err
		}
	}
	return nil
}

// isGeoConstructor reports whether e is db.Geo.<Type>.
func isGeoConstructor(e ast.Expression) bool {
	d, ok := e.(*ast.DotExpression)
	if !ok {
		return false
	}
	g, ok := d.Left.(*ast.DotExpression)
	if !ok || g.Identifier.Name != "Geo" {
		return false
	}
	db, ok := g.Left.(*ast.Identifier)
	if !ok || db.Name != "db" {
		return false
	}
	for _, n := range geoConstructorNames {
		if string(d.Identifier.Name) == n {
			return true
		}
	}
	return false
}

func propertyKeyName(k ast.Expression) string {
	switch t := k.(type) {
	case *ast.StringLiteral:
		return string(t.Value)
	case *ast.Identifier:
		return string(t.Name)
	}
	return ""
}

func statementKind(s ast.Statement) string {
	switch s.(type) {
	case *ast.VariableStatement, *ast.LexicalDeclaration:
		return "variable declaration"
	case *ast.FunctionDeclaration:
		return "function declaration"
	case *ast.ClassDeclaration:
		return "class declaration"
	case *ast.WhileStatement, *ast.DoWhileStatement, *ast.ForStatement, *ast.ForInStatement, *ast.ForOfStatement:
		return "loop"
	case *ast.IfStatement, *ast.SwitchStatement:
		return "conditional statement"
	case *ast.BlockStatement:
		return "block"
	case *ast.TryStatement, *ast.ThrowStatement:
		return "try/throw"
	case *ast.ReturnStatement, *ast.BranchStatement, *ast.LabelledStatement:
		return "control flow"
	case *ast.WithStatement:
		return "with"
	case *ast.DebuggerStatement:
		return "debugger"
	}
	return fmt.Sprintf("%T", s)
}

// ParseError is a statement rejected by the syntax allow-list, with its
// position.
type ParseError struct {
	Offset int // byte offset in the statement, -1 when unknown
	Line   int // 1-based line, 0 when unknown
	Column int // 1-based column (bytes), 0 when unknown
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d, column %d)", e.Msg, e.Line, e.Column)
	}
	return e.Msg
}

func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndex(src[:off], "\n")
	return line, col
}

// scanNesting returns the maximum bracket nesting of src, skipping string
// and template literal contents and comments; it guards the recursive parser
// against absurdly deep inputs.
func scanNesting(src string) int {
	depth, max := 0, 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '(', '[', '{':
			depth++
			if depth > max {
				max = depth
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case '"', '\'', '`':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			} else if i+1 < len(src) && src[i+1] == '*' {
				end := strings.Index(src[i+2:], "*/")
				if end < 0 {
					return max
				}
				i += end + 3
			}
		}
	}
	return max
}
