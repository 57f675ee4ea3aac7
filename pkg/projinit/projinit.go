// Package projinit lays out new projects for `tcb init` from templates
// embedded in the binary: a WeChat mini program in the DevTools layout, a
// cloudbaserc.json project, and a token-server deployment. It plans the
// files first (Plan), so a caller can ask about existing files before
// anything is written, then writes them (Write), each file whole or not at
// all. It never prompts or prints.
package projinit

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/tcb-go/tcb/pkg/errkind"
)

//go:embed all:templates
var templates embed.FS

// Template describes one template.
type Template struct {
	Name    string
	Summary string
	// Needs tells which answers the template uses.
	NeedsAppID, AppIDRequired, NeedsRuntime, NeedsSecret bool
}

// Templates are the templates, in the order a select shows them.
var Templates = []Template{
	{Name: "miniprogram", Summary: "WeChat mini program with cloud functions (DevTools layout, wx-server-sdk + tcb-router)", NeedsAppID: true},
	{Name: "cloudbaserc", Summary: "CloudBase project: cloudbaserc.json with a Node.js function", NeedsRuntime: true},
	{Name: "token-server", Summary: "access_token server deployment: apps.json, keys, systemd unit, Dockerfile", NeedsAppID: true, AppIDRequired: true, NeedsSecret: true},
}

// Lookup finds a template by name.
func Lookup(name string) (Template, bool) {
	for _, t := range Templates {
		if t.Name == name {
			return t, true
		}
	}
	return Template{}, false
}

// Names lists the template names.
func Names() []string {
	out := make([]string, len(Templates))
	for i, t := range Templates {
		out[i] = t.Name
	}
	return out
}

// DefaultRuntime is the runtime of the cloudbaserc template's functions.
const DefaultRuntime = "Nodejs18.15"

// TouristAppID is the AppID DevTools uses for a project without one.
const TouristAppID = "touristappid"

// Answers fill the templates.
type Answers struct {
	Name      string // project name (the directory's base name)
	EnvID     string // may be empty
	Region    string // may be empty
	AppID     string
	Runtime   string
	AppSecret string // token-server: written to appsecret (0600)
	Listen    string // token-server: the unit's listen address
}

// File is one file to write.
type File struct {
	Path string // slash-separated, relative to the project directory
	Data []byte
	Mode fs.FileMode
}

// secretFiles are written 0600.
var secretFiles = map[string]bool{"appsecret": true, "keys": true}

// renamed are template file names that cannot be stored as they are
// written (the Go tools skip dotfiles in some places).
var renamed = map[string]string{"gitignore": ".gitignore", "dockerignore": ".dockerignore"}

// Plan renders template name with a: the files it would write, sorted by
// path.
func Plan(name string, a Answers) ([]File, error) {
	if _, ok := Lookup(name); !ok {
		return nil, errkind.New(errkind.Input, fmt.Sprintf("unknown template %q (want one of %s)", name, strings.Join(Names(), ", ")))
	}
	if a.Listen == "" {
		a.Listen = "0.0.0.0:8081"
	}
	root := "templates/" + name
	var files []File
	err := fs.WalkDir(templates, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		if strings.HasSuffix(rel, ".tmpl") {
			rel = strings.TrimSuffix(rel, ".tmpl")
			t, err := template.New(rel).Delims("[[", "]]").Option("missingkey=error").Parse(string(b))
			if err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, a); err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			b = buf.Bytes()
		}
		dir, base := path.Split(rel)
		if r, ok := renamed[base]; ok {
			rel = dir + r
		}
		files = append(files, File{Path: rel, Data: b, Mode: 0o644})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if name == "token-server" {
		key, err := NewKey()
		if err != nil {
			return nil, err
		}
		secret := strings.TrimSpace(a.AppSecret)
		if secret == "" {
			secret = SecretPlaceholder
		}
		files = append(files,
			File{Path: "appsecret", Data: []byte(secret + "\n"), Mode: 0o600},
			File{Path: "keys", Data: []byte(key + "\n"), Mode: 0o600})
	}
	for i := range files {
		if secretFiles[files[i].Path] {
			files[i].Mode = 0o600
		}
	}
	slices.SortFunc(files, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	return files, nil
}

// SecretPlaceholder stands in appsecret when no AppSecret was given.
const SecretPlaceholder = "REPLACE-WITH-THE-APPSECRET"

// NewKey returns a random bearer key for the token server.
func NewKey() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "tcbk_" + hex.EncodeToString(b), nil
}

// State is what is at a planned file's path already.
type State int

const (
	Missing   State = iota // nothing: the file is created
	Same                   // a file with the same content: left alone
	Different              // a file with other content: overwriting needs consent
	Blocked                // a directory or something else: cannot be written
)

// Check reports the state of each planned file under dir.
func Check(dir string, files []File) ([]State, error) {
	out := make([]State, len(files))
	for i, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		st, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out[i] = Missing
			// A parent that is a file blocks it.
			if blockedParent(dir, f.Path) {
				out[i] = Blocked
			}
			continue
		case err != nil:
			return nil, err
		case !st.Mode().IsRegular():
			out[i] = Blocked
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(b, f.Data) {
			out[i] = Same
		} else {
			out[i] = Different
		}
	}
	return out, nil
}

func blockedParent(dir, rel string) bool {
	parts := strings.Split(rel, "/")
	p := dir
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		if err != nil {
			return false
		}
		if !st.IsDir() {
			return true
		}
	}
	return false
}

// Write writes files under dir, creating directories as needed; each file
// goes to a temporary name in its directory first and is renamed into
// place, so a file is either whole or absent (or, overwritten, the old
// one). skip names paths to leave alone.
func Write(dir string, files []File, skip map[string]bool) ([]string, error) {
	var written []string
	for _, f := range files {
		if skip[f.Path] {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return written, err
		}
		tmp, err := os.CreateTemp(filepath.Dir(p), ".tcb-init-*")
		if err != nil {
			return written, err
		}
		_, werr := tmp.Write(f.Data)
		if werr == nil {
			werr = tmp.Chmod(f.Mode)
		}
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), p)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return written, werr
		}
		written = append(written, f.Path)
	}
	return written, nil
}
