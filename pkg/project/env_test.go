package project

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDotEnv(t *testing.T) {
	src := strings.Join([]string{
		"# comment",
		"",
		"PLAIN=value",
		"  SPACED  =  spaced value  ",
		"export EXPORTED=yes",
		"EMPTY=",
		"COMMENTED=abc # trailing comment",
		"HASH=abc#def",
		"URL=https://x.example/a?b=c&d=e#frag",
		`DOUBLE="line1\nline2 \"q\" \\ \$HOME"`,
		`SINGLE='raw \n $x # not a comment'`,
		"BACKTICK=`tick 'n' \"quote\"`",
		`QUOTED_COMMENT="v" # comment`,
		`MULTI="first`,
		`second"`,
		"EQUALS=a=b=c",
		"DUP=1",
		"DUP=2",
		"dotted.name-x=ok",
		"exported=not-a-prefix",
		"CRLF=win\r",
	}, "\n")
	got, err := ParseDotEnv([]byte(src), ".env")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PLAIN":          "value",
		"SPACED":         "spaced value",
		"EXPORTED":       "yes",
		"EMPTY":          "",
		"COMMENTED":      "abc",
		"HASH":           "abc#def",
		"URL":            "https://x.example/a?b=c&d=e#frag",
		"DOUBLE":         "line1\nline2 \"q\" \\ $HOME",
		"SINGLE":         `raw \n $x # not a comment`,
		"BACKTICK":       `tick 'n' "quote"`,
		"QUOTED_COMMENT": "v",
		"MULTI":          "first\nsecond",
		"EQUALS":         "a=b=c",
		"DUP":            "2",
		"dotted.name-x":  "ok",
		"exported":       "not-a-prefix",
		"CRLF":           "win",
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected %s", k)
			}
		}
	}

	bad := []struct {
		src  string
		line int
		frag string
	}{
		{"A=1\nNOEQUALS\n", 2, "expected KEY=VALUE"},
		{"A=1\n\n1BAD=x\n", 3, "invalid variable name"},
		{"A=\"open\nstill open\n", 1, "unterminated"},
		{"A='x' trailing\n", 1, "after the closing quote"},
		{"=value\n", 1, "invalid variable name"},
	}
	for _, b := range bad {
		_, err := ParseDotEnv([]byte(b.src), "dir/.env.local")
		ce := wantConfigError(t, err, "dir/.env.local", "", b.frag)
		if ce.Line != b.line {
			t.Errorf("%q: line %d, want %d", b.src, ce.Line, b.line)
		}
	}
}

func TestEnvPrecedence(t *testing.T) {
	files := map[string]string{
		".env":       "A=env\nB=env\nC=env\nD=env\n",
		".env.local": "B=local\nC=local\nD=local\n",
		".env.prod":  "C=prod\nD=prod\n",
		".env.test":  "C=test\n",
		"cloudbaserc.json": `{"envId":"e","functions":[{"name":"fn","envVariables":{
			"A":"{{env.A}}","B":"{{env.B}}","C":"{{env.C}}","D":"{{env.D}}"}}]}`,
	}
	cases := []struct {
		mode    string
		environ []string
		want    map[string]string
	}{
		{"", nil, map[string]string{"A": "env", "B": "local", "C": "local", "D": "local"}},
		{"prod", nil, map[string]string{"A": "env", "B": "local", "C": "prod", "D": "prod"}},
		{"test", nil, map[string]string{"A": "env", "B": "local", "C": "test", "D": "local"}},
		{"prod", []string{"D=process", "UNRELATED=1"}, map[string]string{"A": "env", "B": "local", "C": "prod", "D": "process"}},
		{"missing-mode-file", nil, map[string]string{"A": "env", "B": "local", "C": "local", "D": "local"}},
	}
	for _, c := range cases {
		p, dir := mustLoad(t, files, LoadOptions{Mode: c.mode, Environ: c.environ})
		if got := p.Functions[0].EnvVariables; !reflect.DeepEqual(got, c.want) {
			t.Errorf("mode %q environ %v: %v, want %v", c.mode, c.environ, got, c.want)
		}
		wantFiles := 2
		if c.mode == "prod" || c.mode == "test" {
			wantFiles = 3
		}
		if len(p.EnvFiles) != wantFiles || !strings.HasPrefix(p.EnvFiles[0], dir) {
			t.Errorf("EnvFiles %v", p.EnvFiles)
		}
	}
	_, _, err := load(t, map[string]string{"cloudbaserc.json": `{}`}, LoadOptions{Mode: "../x"})
	wantConfigError(t, err, "", "--mode", "path separators")
	_, _, err = load(t, map[string]string{"cloudbaserc.json": `{}`, ".env.local": "oops\n"}, LoadOptions{})
	wantConfigError(t, err, ".env.local", "", "expected KEY=VALUE")
}

func TestEnvIDInjection(t *testing.T) {
	rc := `{"envId":"file-env","functions":[{"name":"fn","envVariables":{
		"UPPER":"{{env.ENV_ID}}","LOWER":"{{env.envId}}","TCB":"{{tcb.envId}}"}}]}`
	cases := []struct {
		name    string
		files   map[string]string
		opts    LoadOptions
		want    string
		project string
	}{
		{"from the config's envId", nil, LoadOptions{}, "file-env", "file-env"},
		{"-e wins over everything", map[string]string{".env": "ENV_ID=dotenv\nenvId=dotenv\n"}, LoadOptions{EnvID: "cli-env", Environ: []string{"ENV_ID=proc"}}, "cli-env", "file-env"},
		{"ENV_ID from the environment", nil, LoadOptions{Environ: []string{"ENV_ID=proc"}}, "proc", "file-env"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"cloudbaserc.json": rc}
			for k, v := range c.files {
				files[k] = v
			}
			p, _ := mustLoad(t, files, c.opts)
			ev := p.Functions[0].EnvVariables
			if ev["UPPER"] != c.want || ev["LOWER"] != c.want || ev["TCB"] != c.want {
				t.Errorf("got %v, want %s", ev, c.want)
			}
			if p.EnvID != c.project {
				t.Errorf("Project.EnvID %q", p.EnvID)
			}
		})
	}
	// envId itself from a placeholder, resolved by -e.
	p, _ := mustLoad(t, map[string]string{"cloudbaserc.json": `{"envId":"{{env.ENV_ID}}"}`}, LoadOptions{EnvID: "cli"})
	if p.EnvID != "cli" {
		t.Errorf("envId %q", p.EnvID)
	}
	err := loadAll(t, map[string]string{"cloudbaserc.json": `{"envId":"{{env.ENV_ID}}"}`}, LoadOptions{})
	wantConfigError(t, err, "cloudbaserc.json", "envId", "ENV_ID is not set")
	err = loadAll(t, map[string]string{"cloudbaserc.json": `{"functions":[{"name":"fn","path":"{{tcb.envId}}"}]}`}, LoadOptions{})
	wantConfigError(t, err, "cloudbaserc.json", "functions[0].path", "env id is unknown")
}
