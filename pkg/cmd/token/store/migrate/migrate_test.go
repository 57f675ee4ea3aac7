package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/token"
)

const appA, appB = "wx0123456789abcdef", "wxfedcba9876543210"

func factory(t *testing.T, env map[string]string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test", ios)
	dir := t.TempDir()
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return dir
		}
		return env[k]
	}
	return f, out, errOut
}

// seed stores a token (and a force count) for each app in a file store.
func seed(t *testing.T, path string, life time.Duration, apps ...string) map[string]string {
	t.Helper()
	s, err := token.NewFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	toks := map[string]string{}
	for _, id := range apps {
		l, err := s.Lock(ctx, id, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().Truncate(time.Millisecond)
		rec := &token.Record{AppID: id, Token: "tok-" + id + "-0123456789", ExpiresAt: now.Add(life), ObtainedAt: now, Source: token.SourceStable}
		if err := s.Put(ctx, rec, l); err != nil {
			t.Fatal(err)
		}
		if err := s.PutForceState(ctx, id, token.ForceState{Day: "2026-12-05", Count: 2, Last: now}, l); err != nil {
			t.Fatal(err)
		}
		_ = l.Release(ctx)
		toks[id] = rec.Token
	}
	return toks
}

func run(t *testing.T, f *cmdutil.Factory, args ...string) error {
	t.Helper()
	cmd := NewCmdMigrate(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return cmd.ExecuteContext(context.Background())
}

func TestMigrateFileToFile(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	toks := seed(t, src, time.Hour, appA, appB)
	f, out, errOut := factory(t, map[string]string{cmdutil.EnvTokenStore: "file:" + src})

	// A dry run writes nothing.
	if err := run(t, f, "--to", "file:"+dst, "--dry-run"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), appA+"\twould_copy\twould_copy") || !strings.Contains(errOut.String(), "Dry run") {
		t.Errorf("dry run output:\n%s\n%s", out, errOut)
	}
	d, _ := token.NewFileStore(dst)
	if ids, _ := d.AppIDs(context.Background()); len(ids) != 0 {
		t.Fatalf("a dry run wrote %v", ids)
	}

	out.Reset()
	errOut.Reset()
	if err := run(t, f, "--to", "file:"+dst); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{appA, appB} {
		if !strings.Contains(out.String(), id+"\tcopied\tcopied") {
			t.Errorf("output lacks %s copied:\n%s", id, out)
		}
		rec, err := d.Get(context.Background(), id)
		if err != nil || rec.Token != toks[id] {
			t.Errorf("%s in the destination: %v %v", id, rec, err)
		}
		if fs, _ := d.ForceState(context.Background(), id); fs.Count != 2 {
			t.Errorf("%s force count %d", id, fs.Count)
		}
	}
	if strings.Contains(out.String()+errOut.String(), "tok-") {
		t.Error("the output shows a token")
	}
	if !strings.Contains(errOut.String(), "Nothing was fetched from WeChat") {
		t.Errorf("no closing note: %s", errOut)
	}

	// JSON, one app, nothing left to do.
	out.Reset()
	f.Globals.JSON = true
	if err := run(t, f, "--from", "file:"+src, "--to", "file:"+dst, "--appid", appB); err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(res.Apps) != 1 || res.Apps[0].AppID != appB || res.Apps[0].Token != token.MigrateSame || res.DryRun ||
		!strings.HasPrefix(res.From, "file ") || !strings.HasSuffix(res.To, "b.json") {
		t.Errorf("JSON: %+v", res)
	}
}

func TestMigrateSkipsExpiredTokens(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	seed(t, src, -time.Second, appA)
	f, out, _ := factory(t, nil)
	if err := run(t, f, "--from", "file:"+src, "--to", "file:"+dst); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), appA+"\texpired\tcopied") {
		t.Errorf("output:\n%s", out)
	}
}

func TestMigrateFlagErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "name the other store"},
		{[]string{"--from", "file:" + dir + "/x.json"}, "the same store"}, // --to defaults to TCB_TOKEN_STORE=file:x.json
		{[]string{"--to", "file:" + dir + "/x.json", "--appid", "bad id"}, "--appid"},
		{[]string{"--from", "file:" + dir + "/x.json", "--to", "file:" + dir + "/x.json"}, "the same store"},
		{[]string{"--to", "postgres://u:hunter2secret@127.0.0.1:1/db?table=Bad"}, "invalid table name"},
		{[]string{"--to", "ftp://u:hunter2secret@h/x"}, "unsupported value"},
	}
	for _, c := range cases {
		f, _, _ := factory(t, map[string]string{cmdutil.EnvTokenStore: "file:" + dir + "/x.json"})
		err := run(t, f, c.args...)
		var ce *cmdutil.Error
		if !errors.As(err, &ce) || ce.Code != cmdutil.ExitInput || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want exit 3 with %q", c.args, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: the password shows: %v", c.args, err)
		}
	}
}
