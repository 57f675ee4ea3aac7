package dbquery

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcb-go/tcb/internal/emulatortest"
)

const normalStatement = `db.collection("todos").where({done: false, due: _.lt(new Date("2024-01-01"))}).orderBy("due", "asc").limit(20).get()`

func assertHealthy(t *testing.T) {
	t.Helper()
	q, err := Parse(normalStatement)
	if err != nil {
		t.Fatalf("a normal statement no longer parses: %v", err)
	}
	if q.Collection != "todos" || q.Action != ActionFind || *q.Limit != 20 {
		t.Fatalf("normal statement parsed wrongly: %+v", q)
	}
}

// TestHostileStatements: every hostile statement is a clean error, quickly,
// and the process stays healthy.
func TestHostileStatements(t *testing.T) {
	deepObject := strings.Repeat("{a:", 10000) + "1" + strings.Repeat("}", 10000)
	tests := []struct {
		name, stmt, want string
	}{
		{"infinite loop", `while(true){}`, "unsupported syntax: loop"},
		{"for loop", `for(;;){}`, "unsupported syntax: loop"},
		{"loop after statement", `db.collection("x").get(); while(true){}`, "unsupported syntax: loop"},
		{"repeat", `"x".repeat(1e9)`, "unsupported: .repeat"},
		{"repeat inside", `db.collection("x").where({a: "x".repeat(1e9)}).get()`, "unsupported: .repeat"},
		{"padStart", `db.collection("x").where({a: "x".padStart(1e9)}).get()`, "unsupported: .padStart"},
		{"array fill", `new Array(1e8).fill(1)`, "unsupported: .fill"},
		{"array in value", `db.collection("x").add({data: {a: new Array(1e8)}})`, "new is only allowed as new Date"},
		{"Array call", `db.collection("x").add({data: {a: Array(1e9)}})`, "only method calls"},
		{"constructor escape", `this.constructor.constructor("return process")()`, "unsupported"},
		{"constructor escape inside", `db.collection("x").where({a: db.collection.constructor("return process")()}).get()`, "unsupported"},
		{"Function", `db.collection("x").where({a: Function("return 1")()}).get()`, "only method calls"},
		{"eval", `db.collection("x").where({a: eval("1")}).get()`, "only method calls"},
		{"require", `db.collection("x").where({a: require("fs")}).get()`, "only method calls"},
		{"process", `db.collection("x").where({a: process.env}).get()`, `unsupported: .env`},
		{"process ident", `db.collection("x").where({a: process}).get()`, `unknown identifier "process"`},
		{"globalThis", `db.collection("x").where({a: globalThis}).get()`, `unknown identifier "globalThis"`},
		{"this", `db.collection("x").where({a: this}).get()`, "unsupported: this"},
		{"function literal", `db.collection("x").where({a: (function(){ while(true){} })()}).get()`, "unsupported syntax"},
		{"arrow", `db.collection("x").where({a: (() => 1)()}).get()`, "unsupported syntax"},
		{"assignment", `db.collection("x").where({a: x = 1}).get()`, "unsupported syntax: assignment"},
		{"var", `var a = []; db.collection("x").where({a: a}).get()`, "variable declaration"},
		{"deep nesting loop", `var a=[]; for (var i=0;i<1e5;i++) a=[a]; db.collection("x").where({a: a}).get()`, "variable declaration"},
		{"deep object literal", deepObject, "nested too deeply"},
		{"proto key", `db.collection("x").add({data: {"__proto__": {"polluted": true}}})`, "__proto__"},
		{"proto key ident", `db.collection("x").add({data: {__proto__: {polluted: true}}})`, "__proto__"},
		{"proto access", `db.collection("x").where({a: db.__proto__}).get()`, "unsupported: .__proto__"},
		{"computed access", `db.collection("x").where({a: db["constructor"]}).get()`, "computed member access"},
		{"computed key", `db.collection("x").where({["a"]: 1}).get()`, "computed property name"},
		{"getter", `db.collection("x").where({get a() { while(true){} }}).get()`, "get in object literal"},
		{"spread", `db.collection("x").where({...{a: 1}}).get()`, "spread"},
		{"JSON.parse", `db.collection("x").add({data: JSON.parse('{"__proto__": {"x": 1}}')})`, `unsupported: .parse`},
		{"tagged template", "db.collection(\"x\").where({a: String.raw`x`}).get()", "unsupported"},
		{"comma", `db.collection("x").get(), db.collection("y").get()`, "comma expression"},
		{"two statements", `db.collection("x").get(); db.collection("y").get()`, "only one statement"},
		{"no terminal", `db.collection("x").where({})`, "must end with"},
		{"not db", `_.gt(1)`, "must start with db.collection"},
		{"empty", `   `, "empty statement"},
		{"syntax error", `db.collection("x").where({a: }).get()`, "syntax error"},
		{"concat builtin", `db.collection("x").where({a: [].concat([1])}).get()`, "statement failed"},
		{"match builtin", `db.collection("x").where({a: "aaaa".match(/(a+)+$/)}).get()`, "statement failed"},
		{"bigint", `db.collection("x").where({a: 10n}).get()`, "BigInt"},
		{"geo without geometry", `db.collection("x").where({loc: _.geoNear({})}).get()`, `"geometry" must be a db.Geo.Point`},
		{"bit", `db.collection("x").where({flags: _.bit({and: 5})}).get()`, "unsupported: db.command.bit"},
		{"geo constructor as function value", `db.collection("x").where({loc: db.Geo.Point}).get()`, "function is not a valid value"},
		{"new on another name", `db.collection("x").where({loc: new db.collection("y")}).get()`, "new is only allowed"},
		{"Date call", `db.collection("x").where({a: Date()}).get()`, "use new Date"},
		{"set after where", `db.collection("x").where({a: 1}).set({data: {}})`, ".set() is not available"},
		{"undefined value", `db.collection("x").where({a: undefined}).get()`, "undefined"},
		{"builder as value", `db.collection("x").where({a: db.collection("y")}).get()`, "cannot be used as a value"},
		{"function as value", `db.collection("x").where({a: db.collection}).get()`, "function is not a valid value"},
		{"nothing after terminal", `db.collection("x").get().where({})`, "cannot follow the end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.stmt)
			if err == nil {
				t.Fatalf("expected an error, got %+v", q)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	assertHealthy(t)
}

// TestRuntimeSandbox exercises the second line of defence: with the syntax
// allow-list switched off, the stripped runtime and the time limit still
// contain hostile code.
func TestRuntimeSandbox(t *testing.T) {
	// A generous limit keeps the non-timeout cases independent of machine
	// load; the loops below are interrupted by it all the same.
	p := (&Parser{Timeout: 500 * time.Millisecond, MaxNodes: 1000}).limits()
	tests := []struct {
		name, stmt, want string
	}{
		{"infinite loop is interrupted", `while(true){}`, "took too long"},
		{"busy function", `(function f(){ for(;;){} })()`, "took too long"},
		{"constructor escape", `this.constructor.constructor("return process")()`, "statement failed"},
		{"Function", `Function("return 1")()`, "statement failed"},
		{"eval", `eval("1")`, "statement failed"},
		{"require", `require("fs")`, "statement failed"},
		{"process", `process.exit(1)`, "statement failed"},
		{"globalThis", `globalThis.Object`, "statement failed"},
		{"repeat", `"x".repeat(1e9)`, "statement failed"},
		{"padEnd", `"x".padEnd(1e9)`, "statement failed"},
		{"Array", `new Array(1e8).fill(1)`, "statement failed"},
		{"array constructor", `[].constructor(1e9)`, "statement failed"},
		{"join", `[1,2].join("x")`, "statement failed"},
		{"deep array", `var a=[]; for (var i=0;i<300;i++) a=[a]; db.collection("x").where({a: a}).get()`, "nested too deeply"},
		{"wide array", `var a=[]; for (var i=0;i<2000;i++) a.length++; db.collection("x").where({a: a}).get()`, "too large"},
		{"getter loop", `db.collection("x").where({get a() { while(true){} }}).get()`, "took too long"},
		{"not a query", `1 + 1`, "must end with"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := p.parse(tc.stmt, false)
			if err == nil {
				t.Fatalf("expected an error, got %+v", q)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	assertHealthy(t)
}

func TestParseLimits(t *testing.T) {
	t.Run("length", func(t *testing.T) {
		p := &Parser{MaxLength: 100}
		_, err := p.Parse(`db.collection("x").where({a: "` + strings.Repeat("y", 200) + `"}).get()`)
		if err == nil || !strings.Contains(err.Error(), "too long") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bracket nesting", func(t *testing.T) {
		p := &Parser{MaxLength: 1 << 20}
		stmt := `db.collection("x").where({a: ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}).get()`
		_, err := p.Parse(stmt)
		if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("value depth", func(t *testing.T) {
		p := &Parser{MaxDepth: 5}
		_, err := p.Parse(`db.collection("x").where({a: [[[[[[[1]]]]]]]}).get()`)
		if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("node count", func(t *testing.T) {
		p := &Parser{MaxNodes: 50}
		_, err := p.Parse(`db.collection("x").where({a: _.in([` + strings.Repeat("[1, 1, 1],", 30) + `1])}).get()`)
		if err == nil || !strings.Contains(err.Error(), "too many values") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("long chain", func(t *testing.T) {
		stmt := `db.collection("x")` + strings.Repeat(`.orderBy("a", "asc")`, 1500) + `.get()`
		q, err := Parse(stmt)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Sort) != 1500 {
			t.Fatalf("sort keys %d", len(q.Sort))
		}
	})
	// Work is bounded by steps, not time: too long a chain fails the same
	// way on any machine, however busy.
	t.Run("too long a chain", func(t *testing.T) {
		stmt := `db.collection("x")` + strings.Repeat(`.orderBy("a", "asc")`, 3000) + `.get()`
		if _, err := Parse(stmt); err == nil || !strings.Contains(err.Error(), "too many calls (limit 2000)") {
			t.Fatalf("got %v", err)
		}
		cmds := `db.collection("x").where({a: _.gt(0)` + strings.Repeat(`.and(_.lt(9))`, 1500) + `}).get()`
		if _, err := Parse(cmds); err == nil || !strings.Contains(err.Error(), "too many calls") {
			t.Fatalf("command chain: got %v", err)
		}
		if _, err := (&Parser{MaxCalls: 5}).Parse(`db.collection("x").where({a: _.gt(1), b: _.lt(2), c: _.in([1]), d: new Date(0)}).orderBy("a","asc").get()`); err == nil ||
			!strings.Contains(err.Error(), "limit 5") {
			t.Fatalf("MaxCalls 5: got %v", err)
		}
	})
	t.Run("source map comment is ignored", func(t *testing.T) {
		q, err := Parse("db.collection(\"x\").get()\n//# sourceMappingURL=/etc/passwd")
		if err != nil || q.Collection != "x" {
			t.Fatalf("got %v %v", q, err)
		}
	})
	t.Run("prototype-like field names are plain data", func(t *testing.T) {
		q, err := Parse(`db.collection("x").where({constructor: {prototype: {x: 1}}}).get()`)
		if err != nil {
			t.Fatal(err)
		}
		if !EqualValues(q.Filter, D("constructor.prototype.x", int64(1))) {
			t.Fatalf("filter %s", q.Filter)
		}
	})
}

func TestParseConcurrentAndNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if _, err := Parse(normalStatement); err != nil {
					errs <- err
					return
				}
				lp := (&Parser{Timeout: 20 * time.Millisecond}).limits()
				if _, err := lp.parse(`while(true){}`, false); err == nil {
					errs <- errTimeout
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	emulatortest.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+2 }, "goroutines back to %d", before)
}
