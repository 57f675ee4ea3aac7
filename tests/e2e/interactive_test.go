package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/config"
)

// Keys a person presses.
const (
	keyUp    = "\x1b[A"
	keyDown  = "\x1b[B"
	keyEnter = "\r"
	keySpace = " "
	keyCtrlC = "\x03"
)

// ptyConsole collects what tcb writes to the terminal and answers
// survey's cursor-position queries as a terminal does, counting them.
type ptyConsole struct {
	mu    sync.Mutex
	buf   strings.Builder
	f     *os.File
	count int    // queries answered
	ahead string // keys sent in the same write as the next answer
}

func (c *ptyConsole) read() {
	const query = "\x1b[6n"
	b := make([]byte, 4096)
	carry := "" // the end of the last read: a query may be split across reads
	for {
		n, err := c.f.Read(b)
		seen := carry + string(b[:n])
		c.mu.Lock()
		c.buf.Write(b[:n])
		c.mu.Unlock()
		for i := strings.Count(seen, query); i > 0; i-- {
			c.mu.Lock()
			answer := "\x1b[1;1R" + c.ahead
			c.ahead = ""
			c.mu.Unlock()
			c.f.Write([]byte(answer))
			c.mu.Lock()
			c.count++
			c.mu.Unlock()
		}
		if i := strings.LastIndex(seen, query); i >= 0 {
			seen = seen[i+len(query):]
		}
		carry = seen[max(0, len(seen)-(len(query)-1)):]
		if err != nil {
			return
		}
	}
}

func (c *ptyConsole) answered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// session is tcb running on a pseudo-terminal, driven like a person: wait
// for text on the screen, then press keys.
type session struct {
	t    *testing.T
	c    *ptyConsole
	cmd  *exec.Cmd
	from int // expectations look at what came after the last one
	done chan struct{}
	err  error
}

// startPTY runs tcb args in dir on a fresh pseudo-terminal with env.
func startPTY(t *testing.T, env []string, dir string, args ...string) *session {
	t.Helper()
	cmd := exec.Command(filepath.Join(BinDir(), "tcb"), args...)
	cmd.Env = append(append([]string{}, env...), "TERM=xterm", "NO_COLOR=1")
	cmd.Dir = dir
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, c: &ptyConsole{f: f}, cmd: cmd, done: make(chan struct{})}
	go s.c.read()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
		f.Close()
	})
	return s
}

func (s *session) screen() string {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.buf.String()
}

// expect waits until text shows up after the previous expectation.
func (s *session) expect(text string) {
	s.t.Helper()
	var at int
	if emulatortest.Wait(60*time.Second, func() bool {
		i := strings.Index(s.screen()[s.from:], text)
		at = i
		return i >= 0
	}) {
		s.from += at + len(text)
		return
	}
	s.t.Fatalf("the terminal never showed %q; it showed:\n%s", text, s.screen())
}

// expectLine waits for a line prompt (input, password, confirm): its
// text, then the two cursor queries survey sends before it reads keys
// (answered by console.read). Keys pressed before survey has its answer
// would be taken for the answer and lost.
func (s *session) expectLine(text string) {
	s.t.Helper()
	s.expect(text)
	s.expect("\x1b[6n")
	s.expect("\x1b[6n")
	// The answer to the second query is written by the reader right
	// after it sees the query; wait until the reader has seen it.
	want := strings.Count(s.screen()[:s.from], "\x1b[6n")
	if !emulatortest.Wait(60*time.Second, func() bool { return s.c.answered() >= want }) {
		s.t.Fatalf("cursor queries unanswered")
	}
}

// typeAhead sends keys in the same write as the answer to the next
// cursor query: keys a person typed (or pasted) while the prompt was
// still being set up.
func (s *session) typeAhead(keys string) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.ahead = keys
}

// press types keys at a prompt. It waits until the prompt reads keys one
// by one: survey draws a prompt before it switches the terminal out of
// canonical mode, and keys that come in between are line-buffered, or,
// for Ctrl-C, turned into a SIGINT the prompt never sees.
func (s *session) press(keys ...string) {
	s.t.Helper()
	if !emulatortest.Wait(60*time.Second, func() bool { return ptyRaw(s.c.f) }) {
		s.t.Fatalf("the terminal never left canonical mode; it showed:\n%s", s.screen())
	}
	s.send(keys...)
}

// interrupt presses Ctrl-C outside a prompt (canonical mode): the
// terminal sends SIGINT.
func (s *session) interrupt() {
	s.t.Helper()
	s.send(keyCtrlC)
}

func (s *session) send(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if _, err := s.c.f.Write([]byte(k)); err != nil {
			s.t.Fatal(err)
		}
	}
}

// exit waits for the process and returns its exit code.
func (s *session) exit() int {
	s.t.Helper()
	if !emulatortest.Wait(120*time.Second, func() bool {
		select {
		case <-s.done:
			return true
		default:
			return false
		}
	}) {
		s.t.Fatalf("tcb did not exit; the terminal showed:\n%s", s.screen())
	}
	var ee *exec.ExitError
	if errors.As(s.err, &ee) {
		return ee.ExitCode()
	}
	if s.err != nil {
		s.t.Fatal(s.err)
	}
	return 0
}

func (s *session) wantExit(code int) {
	s.t.Helper()
	if got := s.exit(); got != code {
		s.t.Fatalf("exit %d, want %d; the terminal showed:\n%s", got, code, s.screen())
	}
}

// interactiveWorld is an emulator with three environments; beta has the
// hello function of the cloudbaserc template deployed, and a todos
// collection with one document.
type interactiveWorld struct {
	emu               *emuProcess
	c                 *cli
	alpha, beta, gama string
}

func newInteractiveWorld(t *testing.T) *interactiveWorld {
	t.Helper()
	emu := startEmulatorProcess(t)
	c := newCLI(t, emu)
	w := &interactiveWorld{emu: emu, c: c}
	w.alpha = c.createEnv("alpha")
	w.beta = c.createEnv("beta")
	w.gama = c.createEnv("gamma")
	c.dir = t.TempDir()
	c.run("init", "proj", "--template", "cloudbaserc", "-e", w.beta)
	c.dir = filepath.Join(c.dir, "proj")
	c.run("fn", "deploy", "--all")
	c.run("-e", w.beta, "db", "collection", "create", "todos")
	c.run("-e", w.beta, "db", "add", "todos", "--data", `{"_id":"t1","title":"water the plants"}`)
	return w
}

// The prompts a person meets on a terminal, each driven by keys: selects
// (arrows, filtering by typing, Enter), a multi-select (Space), a line
// prefilled for editing, $EDITOR, a hidden password, and Ctrl-C. The same
// commands without a terminal fail at once with exit 3, naming the flag.
func TestInteractivePromptsInPTY(t *testing.T) {
	t.Parallel()
	w := newInteractiveWorld(t)
	empty := t.TempDir()

	t.Run("env select by filtering", func(t *testing.T) {
		s := startPTY(t, w.c.env, empty, "env", "info")
		s.expect("Environment")
		s.expect(w.alpha)
		s.press("gam")
		s.expect("gamma")
		s.press(keyEnter)
		s.expect("tcb env use " + w.gama)
		s.wantExit(0)
		if !strings.Contains(s.screen(), w.gama) {
			t.Fatalf("env info did not show %s", w.gama)
		}
	})

	t.Run("function select, event in $EDITOR", func(t *testing.T) {
		editor := filepath.Join(t.TempDir(), "editor.sh")
		if err := os.WriteFile(editor, []byte("#!/bin/sh\nprintf '{\"name\": \"pty\"}\\n' > \"$1\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		s := startPTY(t, append(w.c.env, "EDITOR="+editor, "VISUAL="), empty, "fn", "invoke")
		s.expect("Environment")
		s.press("beta")
		s.expect("beta")
		s.press(keyEnter)
		s.expect("Function")
		s.expect("hello")
		s.press(keyEnter)
		s.expect("Event for hello")
		s.press(keyEnter) // the first option: write it in $EDITOR
		s.expect("Event (JSON)")
		s.press(keyEnter) // launch the editor
		s.expect("Hello, pty!")
		s.wantExit(0)
	})

	t.Run("invalid event is not sent", func(t *testing.T) {
		editor := filepath.Join(t.TempDir(), "editor.sh")
		if err := os.WriteFile(editor, []byte("#!/bin/sh\nprintf '{\"name\": ' > \"$1\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		s := startPTY(t, append(w.c.env, "EDITOR="+editor, "VISUAL="), w.c.dir, "fn", "invoke", "hello")
		s.expect("Event for hello")
		s.expect("the params in the project config")
		s.press(keyDown, keyEnter) // $EDITOR
		s.expect("Event (JSON)")
		s.press(keyEnter)
		s.expect("the event is not valid")
		s.expectLine("Edit it again?")
		s.press("n", keyEnter)
		s.expect("nothing was sent")
		s.wantExit(3)
	})

	t.Run("deploy multi-select", func(t *testing.T) {
		s := startPTY(t, w.c.env, w.c.dir, "fn", "deploy")
		s.expect("to deploy")
		s.expect("hello")
		s.press(keySpace, keyEnter) // unpick the only one
		s.expect("no function picked")
		s.wantExit(1)

		s = startPTY(t, w.c.env, w.c.dir, "fn", "deploy")
		s.expect("to deploy")
		s.press(keyEnter) // all of them, as preselected
		s.expectLine("Function hello already exists in " + w.beta + ". Update it?")
		s.press(keyEnter)
		s.wantExit(0)
	})

	t.Run("db query: collection, then the statement to edit", func(t *testing.T) {
		s := startPTY(t, w.c.env, empty, "-e", w.beta, "db", "query")
		s.expect("Collection")
		s.expect("todos")
		s.press(keyEnter)
		s.expectLine("Statement")
		s.expect("db.collection('todos').where({}).limit(10).get()")
		s.press(keyEnter)
		s.expect("water the plants")
		s.wantExit(0)

		// A statement that does not parse is offered again for editing; one
		// that fails shows what was sent (--explain).
		s = startPTY(t, w.c.env, empty, "-e", w.beta, "db", "query")
		s.expect("Collection")
		s.press(keyEnter)
		start := "db.collection('todos').where({}).limit(10).get()"
		s.expectLine("Statement")
		s.expect(start)
		s.press(strings.Repeat("\x7f", len(".get()")), keyEnter)
		s.expect("invalid statement")
		s.expectLine("Statement")
		s.expect("db.collection('todos').where({}).limit(10)")
		s.press(strings.Repeat("\x7f", len(start)-len(".get()")), "db.collection('nope').where({done: true}).get()", keyEnter)
		s.expect("The statement as sent (--explain)")
		s.expect(`"done"`)
		if code := s.exit(); code == 0 {
			t.Fatalf("a query of a missing collection succeeded:\n%s", s.screen())
		}
	})

	t.Run("init: arrows, env select, runtime select", func(t *testing.T) {
		dir := t.TempDir()
		s := startPTY(t, w.c.env, dir, "init", "app")
		s.expect("Template")
		s.expect("token-server")
		s.press(keyDown, keyEnter) // cloudbaserc, the second
		s.expect("Environment")
		s.press("alpha", keyEnter)
		s.expect("Runtime")
		s.press(keyEnter) // the default
		s.expect("cloudbaserc project in app")
		s.wantExit(0)
		var rc struct {
			EnvID                 string `json:"envId"`
			FunctionDefaultConfig struct{ Runtime string }
		}
		b, err := os.ReadFile(filepath.Join(dir, "app", "cloudbaserc.json"))
		if err != nil || json.Unmarshal(b, &rc) != nil || rc.EnvID != w.alpha || rc.FunctionDefaultConfig.Runtime != "Nodejs18.15" {
			t.Fatalf("cloudbaserc.json: %s (%v)", b, err)
		}

		// A differing file: asked about, kept by default.
		idx := filepath.Join(dir, "app", "functions", "hello", "index.js")
		if err := os.WriteFile(idx, []byte("// mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s = startPTY(t, w.c.env, dir, "init", "app", "--template", "cloudbaserc", "-e", w.alpha, "--runtime", "Nodejs18.15")
		s.expectLine("functions/hello/index.js exists and differs. Overwrite it?")
		s.press(keyEnter)
		s.expect("kept")
		s.wantExit(0)
		if b, _ := os.ReadFile(idx); string(b) != "// mine\n" {
			t.Fatalf("the file was overwritten: %q", b)
		}
	})

	t.Run("Ctrl-C writes nothing", func(t *testing.T) {
		dir := t.TempDir()
		s := startPTY(t, w.c.env, dir, "init", "app")
		s.expect("Template")
		s.press(keyDown)
		s.press(keyCtrlC)
		s.wantExit(130)
		if _, err := os.Stat(filepath.Join(dir, "app")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("init wrote %s after Ctrl-C", filepath.Join(dir, "app"))
		}

		// Ctrl-C at the token-server AppSecret, after every other answer.
		s = startPTY(t, w.c.env, dir, "init", "tok", "--template", "token-server")
		s.expectLine("WeChat AppID")
		s.press("wx0123456789abcdef", keyEnter)
		s.expectLine("AppSecret of wx0123456789abcdef")
		s.press("half-typed", keyCtrlC)
		s.wantExit(130)
		if _, err := os.Stat(filepath.Join(dir, "tok")); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("init wrote the token-server project after Ctrl-C")
		}
		if strings.Contains(s.screen(), "half-typed") {
			t.Fatal("the AppSecret was echoed")
		}
	})

	t.Run("token get: app select from the profiles", func(t *testing.T) {
		cfg := t.TempDir()
		env := tokenEnv("TCB_CONFIG_DIR="+cfg, "TCB_WECHAT_API=http://"+w.emu.Host)
		login := exec.Command(filepath.Join(BinDir(), "tcb"), "--profile", "shop", "login",
			"--wx-appid", config.EmulatorWxAppID, "--wx-secret", config.EmulatorWxSecret)
		login.Env = env
		if out, err := login.CombinedOutput(); err != nil {
			t.Fatalf("login: %v\n%s", err, out)
		}
		s := startPTY(t, env, empty, "token", "get", "--json")
		s.expect("WeChat app")
		s.expect("(profile shop)")
		s.press(keyEnter)
		s.expect(`"access_token"`)
		s.wantExit(0)
	})

	t.Run("login: region by arrows, hidden key, default env", func(t *testing.T) {
		cfg := t.TempDir()
		env := tokenEnv("TCB_CONFIG_DIR="+cfg, "TCB_EMULATOR_HOST="+w.emu.Host)
		s := startPTY(t, env, empty, "login")
		s.expectLine("SecretId")
		s.press(config.EmulatorSecretID, keyEnter)
		s.expectLine("SecretKey")
		s.press(config.EmulatorSecretKey, keyEnter)
		s.expect("Region")
		s.expect("ap-singapore")
		s.press(keyDown, keyDown, keyUp, keyEnter) // ap-guangzhou, the second
		s.expect("Default environment")
		s.press("gamma", keyEnter)
		s.expect("Default environment: " + w.gama)
		s.wantExit(0)
		if strings.Contains(s.screen(), config.EmulatorSecretKey) {
			t.Fatal("the SecretKey was echoed")
		}
		st, _ := os.ReadFile(filepath.Join(cfg, "config.json"))
		if !strings.Contains(string(st), `"region": "ap-guangzhou"`) || !strings.Contains(string(st), w.gama) {
			t.Fatalf("settings: %s", st)
		}
	})

	t.Run("env create: alias asked, region select by filtering", func(t *testing.T) {
		c := &cli{t: t, env: w.c.env, dir: empty}
		s := startPTY(t, c.env, empty, "env", "create")
		s.expectLine("Alias for the new environment")
		s.press("viaprompt", keyEnter)
		s.expect("Region")
		s.expect("ap-shanghai")
		s.press("beij")
		s.expect("Beijing")
		s.press(keyEnter)
		s.expect("Environment viaprompt-")
		s.wantExit(0)
		var envs []struct{ EnvId, Alias, Region string }
		if err := json.Unmarshal([]byte(c.run("env", "list", "--json")), &envs); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range envs {
			if e.Alias == "viaprompt" {
				found = true
				if e.Region != "ap-beijing" {
					t.Fatalf("created in %q, want the chosen ap-beijing", e.Region)
				}
				if !strings.Contains(s.screen(), e.EnvId) {
					t.Fatalf("the EnvId %s was not shown", e.EnvId)
				}
			}
		}
		if !found {
			t.Fatalf("no env viaprompt in %+v", envs)
		}

		// -r answers the region question: not asked.
		s = startPTY(t, c.env, empty, "-r", "ap-guangzhou", "env", "create", "withflag")
		s.expect("Environment withflag-")
		s.wantExit(0)
		if strings.Contains(s.screen(), "Region") {
			t.Fatalf("asked for the region despite -r:\n%s", s.screen())
		}
	})

	t.Run("fn code download: function select", func(t *testing.T) {
		dir := t.TempDir()
		s := startPTY(t, w.c.env, dir, "-e", w.beta, "fn", "code", "download")
		s.expect("Function")
		s.expect("hello")
		s.press(keyEnter)
		s.expect("Unpacked hello into hello")
		s.wantExit(0)
		b, err := os.ReadFile(filepath.Join(dir, "hello", "index.js"))
		if err != nil || !strings.Contains(string(b), "exports.main") {
			t.Fatalf("downloaded index.js: %q, %v", b, err)
		}
	})

	t.Run("fn trigger create and list: function select", func(t *testing.T) {
		c := &cli{t: t, env: w.c.env, dir: empty}
		s := startPTY(t, c.env, empty, "-e", w.beta, "fn", "trigger", "create", "--name", "every5min", "--cron", "0 */5 * * * * *")
		s.expect("Function")
		s.expect("hello")
		s.press(keyEnter)
		s.expect("Created trigger every5min")
		s.wantExit(0)
		if out := c.run("-e", w.beta, "fn", "trigger", "list", "hello", "--json"); !strings.Contains(out, `"every5min"`) {
			t.Fatalf("trigger list after create: %s", out)
		}

		s = startPTY(t, c.env, empty, "-e", w.beta, "fn", "trigger", "list")
		s.expect("Function")
		s.expect("hello")
		s.press(keyEnter)
		s.expect("every5min")
		s.expect("0 */5 * * * * *")
		s.wantExit(0)
	})

	t.Run("fn detail and fn log: function select", func(t *testing.T) {
		c := &cli{t: t, env: w.c.env, dir: empty}
		s := startPTY(t, c.env, empty, "-e", w.beta, "fn", "detail")
		s.expect("Function")
		s.expect("hello")
		s.press(keyEnter)
		s.expect("Nodejs")
		s.wantExit(0)

		var r struct{ RequestID string }
		c.invokeJSON(&r, "hello", "-e", w.beta, "--params", `{"name":"logs"}`)
		if r.RequestID == "" {
			t.Fatal("the invocation returned no request id")
		}
		s = startPTY(t, c.env, empty, "-e", w.beta, "fn", "log")
		s.expect("Function")
		s.expect("hello")
		s.press(keyEnter)
		s.expect(r.RequestID)
		s.wantExit(0)
	})

	t.Run("Ctrl-C while the envs load: exit 130 at once, nothing written", func(t *testing.T) {
		// DescribeEnvs is held for 5 minutes; one Ctrl-C has to end the
		// run while the call is in flight, before any select.
		slowEnvs := func(t *testing.T) {
			t.Helper()
			w.emu.fault(t, `{"action":"DescribeEnvs","count":1,"latency":"5m"}`)
		}
		inFlight := func(t *testing.T) {
			t.Helper()
			if !emulatortest.Wait(60*time.Second, func() bool {
				var v struct{ Faults []json.RawMessage }
				getJSON(t, w.emu.Endpoint+"/_emulator/faults", &v)
				return len(v.Faults) == 0
			}) {
				t.Fatal("DescribeEnvs never reached the emulator")
			}
		}
		interrupted := func(t *testing.T, s *session) {
			t.Helper()
			s.interrupt()
			s.wantExit(130)
			s.expect("interrupted")
			if strings.Contains(s.screen(), "? Environment") || strings.Contains(s.screen(), "Default environment") {
				t.Fatalf("a select showed after Ctrl-C:\n%s", s.screen())
			}
		}

		// A command that needs an env: fn code download would write ./out.
		dir := t.TempDir()
		slowEnvs(t)
		s := startPTY(t, w.c.env, dir, "fn", "code", "download", "hello", "out")
		s.expect("Listing environments")
		inFlight(t)
		interrupted(t, s)
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("download wrote %v after Ctrl-C", entries)
		}

		// tcb init: no project written, not asked to type an env id instead.
		slowEnvs(t)
		s = startPTY(t, w.c.env, dir, "init", "app", "--template", "cloudbaserc")
		s.expect("Listing environments")
		inFlight(t)
		interrupted(t, s)
		if strings.Contains(s.screen(), "Environment id") {
			t.Fatalf("init asked for an env id after Ctrl-C:\n%s", s.screen())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("init wrote %v after Ctrl-C", entries)
		}

		// tcb login, after the keys are checked: nothing saved.
		cfg := t.TempDir()
		env := tokenEnv("TCB_CONFIG_DIR="+cfg, "TCB_EMULATOR_HOST="+w.emu.Host)
		slowEnvs(t)
		s = startPTY(t, env, empty, "-r", "ap-shanghai", "login")
		s.expectLine("SecretId")
		s.press(config.EmulatorSecretID, keyEnter)
		s.expectLine("SecretKey")
		s.press(config.EmulatorSecretKey, keyEnter)
		s.expect("Listing environments")
		inFlight(t)
		interrupted(t, s)
		if entries, _ := os.ReadDir(cfg); len(entries) != 0 {
			t.Fatalf("login saved %v after Ctrl-C", entries)
		}
	})

	t.Run("keys typed ahead of a line prompt are kept", func(t *testing.T) {
		// The AppID arrives with the answer to the first cursor query of
		// its prompt, in one read: survey used to drop what came with it.
		dir := t.TempDir()
		s := startPTY(t, w.c.env, dir, "init", "tok", "--template", "token-server")
		s.typeAhead("wx0123456789abcdef" + keyEnter)
		s.expect("WeChat AppID")
		s.expectLine("AppSecret of wx0123456789abcdef")
		s.press(keyCtrlC)
		s.wantExit(130)
	})

	t.Run("no terminal: exit 3 naming the flag", func(t *testing.T) {
		cases := []struct {
			dir  string
			args []string
			want string
		}{
			{empty, []string{"env", "info"}, "-e ENV_ID"},
			{empty, []string{"fn", "invoke"}, "tcb fn invoke NAME"},
			{empty, []string{"fn", "detail"}, "tcb fn detail NAME"},
			{empty, []string{"fn", "log"}, "tcb fn log NAME"},
			{empty, []string{"-e", w.beta, "fn", "code", "download"}, "tcb fn code download NAME"},
			{empty, []string{"-e", w.beta, "fn", "trigger", "create", "--name", "n", "--cron", "0 */5 * * * * *"}, "tcb fn trigger create FUNCTION"},
			{empty, []string{"-e", w.beta, "fn", "trigger", "list"}, "tcb fn trigger list FUNCTION"},
			{empty, []string{"fn", "delete"}, "tcb fn delete NAME"},
			{empty, []string{"fn", "trigger", "delete", "hello"}, "FUNCTION TRIGGER"},
			{w.c.dir, []string{"fn", "deploy"}, "--all"},
			{empty, []string{"-e", w.beta, "db", "query"}, "give a statement or a collection name"},
			{empty, []string{"init"}, "--template"},
			{empty, []string{"init", "tok", "--template", "token-server"}, "--appid"},
			{empty, []string{"env", "create"}, "alias"},
		}
		for _, tc := range cases {
			c := &cli{t: t, env: w.c.env, dir: tc.dir}
			_, errs, code := c.try(tc.args...)
			if code != 3 || !strings.Contains(errs, tc.want) {
				t.Errorf("tcb %s: exit %d, stderr %q; want exit 3 naming %s", strings.Join(tc.args, " "), code, errs, tc.want)
			}
		}
		if _, err := os.Stat(filepath.Join(empty, "tok")); !errors.Is(err, os.ErrNotExist) {
			t.Error("init without --appid wrote files")
		}
		// token get with no app anywhere.
		c := &cli{t: t, env: tokenEnv("TCB_CONFIG_DIR="+t.TempDir(), "TCB_WECHAT_API=http://"+w.emu.Host), dir: empty}
		if _, errs, code := c.try("token", "get"); code != 3 || !strings.Contains(errs, "--appid") {
			t.Errorf("token get: exit %d, %q", code, errs)
		}
	})
}

// Each template of tcb init, written without a terminal, deploys and runs
// on the emulator as generated.
func TestInitTemplatesDeployAndRun(t *testing.T) {
	t.Parallel()
	emu := startEmulatorProcess(t)
	c := newCLI(t, emu)
	env := c.createEnv("init")
	root := t.TempDir()

	t.Run("cloudbaserc", func(t *testing.T) {
		c := &cli{t: t, env: c.env, dir: root}
		c.run("init", "rc", "--template", "cloudbaserc", "-e", env, "--runtime", "nodejs20.19", "--yes")
		c.dir = filepath.Join(root, "rc")
		c.run("fn", "deploy", "--all")
		var r struct{ Message string }
		c.invokeJSON(&r, "hello")
		if r.Message != "Hello, CloudBase!" {
			t.Fatalf("hello returned %+v", r)
		}
		if !strings.Contains(c.run("fn", "detail", "hello", "--json"), "Nodejs20.19") {
			t.Error("the runtime of --runtime was not deployed")
		}
		// Again, off a terminal, over a changed file: refused, nothing written.
		if err := os.WriteFile(filepath.Join(c.dir, "README.md"), []byte("mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(c.dir, ".gitignore"))
		c.dir = root
		_, errs, code := c.try("init", "rc", "--template", "cloudbaserc", "-e", env)
		if code != 3 || !strings.Contains(errs, "README.md") || !strings.Contains(errs, "--force") {
			t.Fatalf("init over a changed file: exit %d, %s", code, errs)
		}
		if _, err := os.Stat(filepath.Join(root, "rc", ".gitignore")); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("a refused init wrote files")
		}
		c.run("init", "rc", "--template", "cloudbaserc", "-e", env, "--force")
		if b, _ := os.ReadFile(filepath.Join(root, "rc", "README.md")); string(b) == "mine\n" {
			t.Fatal("--force did not overwrite")
		}
	})

	t.Run("miniprogram", func(t *testing.T) {
		c := &cli{t: t, env: c.env, dir: root}
		env := c.createEnv("mp") // its own: cloudbaserc's hello lives in the other
		c.run("init", "mp", "--template", "miniprogram", "--appid", "wx0e1a2b3c4d5e6f70", "-e", env, "--yes")
		c.dir = filepath.Join(root, "mp")
		c.run("-e", env, "fn", "deploy", "--all")
		var r struct {
			OK                 bool
			Message            string
			OPENID, APPID, ENV string
		}
		c.invokeJSON(&r, "hello", "-e", env, "--params", `{"$url":"hello","name":"tcb"}`)
		if !r.OK || r.Message != "Hello, tcb!" {
			t.Fatalf("hello route: %+v", r)
		}
		c.invokeJSON(&r, "hello", "-e", env, "--params", `{"$url":"whoami"}`, "--openid", "oInit")
		if r.OPENID != "oInit" || r.ENV != env {
			t.Fatalf("whoami route: %+v", r)
		}
	})

	t.Run("token-server", func(t *testing.T) {
		c := &cli{t: t, env: append(append([]string{}, c.env...), "TCB_WX_SECRET="+config.EmulatorWxSecret), dir: root}
		c.run("init", "tok", "--template", "token-server", "--appid", config.EmulatorWxAppID, "--yes")
		dir := filepath.Join(root, "tok")
		for _, p := range []string{"appsecret", "keys"} {
			if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %v %v", p, fi, err)
			}
		}
		unit, _ := os.ReadFile(filepath.Join(dir, "tcb-token.service"))
		if !strings.Contains(string(unit), "ExecStart=/usr/local/bin/tcb token serve") {
			t.Fatalf("unit:\n%s", unit)
		}
		keys, _ := os.ReadFile(filepath.Join(dir, "keys"))
		key := strings.TrimSpace(string(keys))
		srv := startServe(t, tokenEnv("TCB_CONFIG_DIR="+t.TempDir(), "TCB_EMULATOR_HOST="+emu.Host), filepath.Join(t.TempDir(), "serve.log"),
			"--apps", filepath.Join(dir, "apps.json"), "--auth-key-file", filepath.Join(dir, "keys"))
		client := &cli{t: t, env: tokenEnv("TCB_CONFIG_DIR="+t.TempDir(), "TCB_TOKEN_SERVER="+srv.URL(), "TCB_TOKEN_SERVER_KEY="+key), dir: root}
		out := client.run("token", "get", "--appid", config.EmulatorWxAppID, "--json")
		if !strings.Contains(out, `"access_token"`) {
			t.Fatalf("token get through the generated server: %s", out)
		}
	})
}
