package project

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Kinds of project configuration.
const (
	KindCloudbaserc = "cloudbaserc"  // cloudbaserc, cloudbaserc.json/.yaml/.yml, --config-file
	KindPackageJSON = "package.json" // the "cloudbase" key of package.json
	KindWeChat      = "wechat"       // project.config.json with cloudfunctionRoot
)

// LoadOptions are the inputs of Load.
type LoadOptions struct {
	Dir        string // working directory; "" means "."
	ConfigFile string // --config-file; relative paths are relative to Dir
	Mode       string // --mode: also read .env.<Mode>
	// EnvID is the env id chosen on the command line (-e/--env-id, or
	// TCB_ENV_ID): it overrides ENV_ID/envId for placeholders. It does not
	// change Project.EnvID, which is what the file says.
	EnvID string
	// Environ is the process environment ("KEY=VALUE"); nil means
	// os.Environ(). Pass an empty non-nil slice for none.
	Environ []string
}

// Project is a loaded project configuration.
type Project struct {
	ConfigPath   string // absolute path of the file that was loaded
	Kind         string // KindCloudbaserc, KindPackageJSON or KindWeChat
	Version      string // "version" as written ("2.0", "2.1"), "" if absent
	EnvID        string // "envId" after placeholders, "" if absent
	Region       string // full region name ("ap-guangzhou"), "" if absent
	FunctionRoot string // absolute; "" for a WeChat project without cloudfunctionRoot
	Functions    []Function
	// AppID and MiniprogramRoot (absolute) come from project.config.json.
	AppID           string
	MiniprogramRoot string
	// EnvFiles are the .env files that were read, lowest precedence first.
	EnvFiles []string
	// Raw is the whole configuration after placeholders (the "cloudbase"
	// object for package.json), for sections this package does not model
	// (servers, framework, app, hosting, ...). An unresolved placeholder
	// stays as written.
	Raw json.RawMessage

	// pending holds the top-level settings whose placeholder could not be
	// rendered (see Resolved).
	pending map[string]*ConfigError
}

// Function returns the function called name.
func (p *Project) Function(name string) (*Function, bool) {
	for i := range p.Functions {
		if p.Functions[i].Name == name {
			return &p.Functions[i], true
		}
	}
	return nil, false
}

// cloudbaseSearch is the official lookup order (cosmiconfig, module name
// "cloudbase", no upward walk). JavaScript configs are recognised only to
// refuse them clearly.
var cloudbaseSearch = []string{
	"package.json",
	"cloudbaserc",
	"cloudbaserc.json",
	"cloudbaserc.yaml",
	"cloudbaserc.yml",
	"cloudbaserc.js",
	"cloudbaserc.cjs",
	"cloudbase.config.js",
	"cloudbase.config.cjs",
}

const wechatConfig = "project.config.json"

// Load finds and loads the project configuration of opts.Dir.
//
// Lookup (in Dir only, no upward walk): opts.ConfigFile if set; otherwise a
// tcbrc.json is an error; then the "cloudbase" key of package.json,
// cloudbaserc, cloudbaserc.json, cloudbaserc.yaml, cloudbaserc.yml (a
// JavaScript config is an error); then a WeChat project.config.json. When
// nothing is found the error wraps ErrNoConfig.
//
// For cloudbaserc configurations, .env, .env.local and .env.<Mode> are read
// from the config file's directory and placeholders rendered (see the
// package documentation); ENV_ID and envId are set to opts.EnvID when
// given, else default to the config's literal envId.
//
// Every problem with a file's contents is a *ConfigError.
func Load(opts LoadOptions) (*Project, error) {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l := &loader{opts: opts, dir: absDir}
	if l.opts.Environ == nil {
		l.opts.Environ = os.Environ()
	}
	if opts.ConfigFile != "" {
		p := opts.ConfigFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(absDir, p)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &ConfigError{File: l.display(p), Problem: "cannot read the config file: " + errText(err), Err: err}
		}
		if fi.IsDir() {
			return nil, &ConfigError{File: l.display(p), Problem: "the config file is a directory"}
		}
		return l.loadCloudbase(p, true)
	}

	if isFile(filepath.Join(absDir, "tcbrc.json")) {
		return nil, &ConfigError{File: l.display(filepath.Join(absDir, "tcbrc.json")),
			Problem: "tcbrc.json is no longer supported: rename it to cloudbaserc.json and update it to the version 2.0 format"}
	}
	for _, name := range cloudbaseSearch {
		p := filepath.Join(absDir, name)
		if !isFile(p) {
			continue
		}
		if name == "package.json" {
			has, err := l.packageJSONHasCloudbase(p)
			if err != nil {
				return nil, err
			}
			if !has {
				continue
			}
		}
		return l.loadCloudbase(p, false)
	}
	if p := filepath.Join(absDir, wechatConfig); isFile(p) {
		return l.loadWeChat(p)
	}
	tried := append([]string{}, cloudbaseSearch[:5]...)
	tried[0] = `package.json "cloudbase"`
	return nil, &NotFoundError{Dir: absDir, Tried: append(tried, wechatConfig)}
}

type loader struct {
	opts LoadOptions
	dir  string // absolute LoadOptions.Dir
}

// display shows a path relative to Dir when it is inside it.
func (l *loader) display(p string) string {
	if rel, err := filepath.Rel(l.dir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return rel
	}
	return p
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (l *loader) read(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, &ConfigError{File: l.display(p), Problem: "cannot read: " + errText(err), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, &ConfigError{File: l.display(p), Problem: "cannot read: " + errText(err), Err: err}
	}
	if len(data) > maxConfigBytes {
		return nil, &ConfigError{File: l.display(p), Problem: fmt.Sprintf("the file is larger than %d bytes", maxConfigBytes)}
	}
	return data, nil
}

func (l *loader) packageJSONHasCloudbase(p string) (bool, error) {
	data, err := l.read(p)
	if err != nil {
		return false, err
	}
	v, cerr := decodeJSON(data)
	if cerr != nil {
		cerr.File = l.display(p)
		return false, cerr
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false, nil
	}
	_, has := m["cloudbase"]
	return has, nil
}

// parseConfig decodes a cloudbase config file by its name.
func (l *loader) parseConfig(p string) (root map[string]any, kind, base string, err error) {
	shown := l.display(p)
	name := strings.ToLower(filepath.Base(p))
	ext := filepath.Ext(name)
	switch ext {
	case ".js", ".cjs", ".mjs", ".ts":
		return nil, "", "", &ConfigError{File: shown, Problem: "JavaScript configuration files are not supported by this tcb; convert it to cloudbaserc.json (same fields, JSON syntax)"}
	}
	data, err := l.read(p)
	if err != nil {
		return nil, "", "", err
	}
	var v any
	var cerr *ConfigError
	switch {
	case ext == ".json":
		v, cerr = decodeJSON(data)
	case ext == ".yaml" || ext == ".yml":
		v, cerr = decodeYAML(data)
	default: // "cloudbaserc" or another name: JSON if it looks like it
		if t := strings.TrimLeft(strings.TrimPrefix(string(data), "\ufeff"), " \t\r\n"); strings.HasPrefix(t, "{") {
			v, cerr = decodeJSON(data)
		} else {
			v, cerr = decodeYAML(data)
		}
	}
	if cerr != nil {
		cerr.File = shown
		return nil, "", "", cerr
	}
	kind = KindCloudbaserc
	if name == "package.json" {
		kind, base = KindPackageJSON, "cloudbase"
		m, ok := v.(map[string]any)
		if !ok {
			return nil, "", "", &ConfigError{File: shown, Problem: "expected a JSON object, got " + describe(v)}
		}
		v = m["cloudbase"]
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, "", "", &ConfigError{File: shown, Field: base, Problem: "expected an object with envId, functions, ..., got " + describe(v)}
	}
	return root, kind, base, nil
}

func (l *loader) loadCloudbase(p string, explicit bool) (*Project, error) {
	if filepath.Base(p) == wechatConfig && explicit {
		return l.loadWeChat(p)
	}
	root, kind, base, err := l.parseConfig(p)
	if err != nil {
		return nil, err
	}
	shown := l.display(p)
	configDir := filepath.Dir(p)
	env, err := loadEnv(configDir, l.opts.Mode, l.opts.Environ, l.display)
	if err != nil {
		return nil, err
	}
	envID := l.opts.EnvID
	if envID != "" {
		env.vars["ENV_ID"], env.vars["envId"] = envID, envID
	} else {
		if v, ok := env.vars["ENV_ID"]; ok && v != "" {
			envID = v
		} else {
			envID = literalString(root["envId"])
		}
		if envID != "" {
			for _, k := range []string{"ENV_ID", "envId"} {
				if _, ok := env.vars[k]; !ok {
					env.vars[k] = envID
				}
			}
		}
	}
	r := &renderer{file: shown, env: env, envID: envID, uid: newUID()}
	rv, err := r.render(root, base)
	if err != nil {
		return nil, err
	}
	root = rv.(map[string]any)

	proj := &Project{ConfigPath: p, Kind: kind, EnvFiles: env.files, Raw: toJSON(root)}
	if err := l.decodeTop(proj, root, base, shown, configDir); err != nil {
		return nil, err
	}
	return proj, nil
}

// decodeTop decodes the top-level fields; unknown ones are tolerated.
func (l *loader) decodeTop(proj *Project, root map[string]any, base, file, configDir string) error {
	d := decoder{file: file}
	at := func(k string) string { return joinKey(base, k) }
	root = proj.setAsidePending(root)
	if v, ok := root["version"]; ok && v != nil {
		var s string
		switch t := v.(type) {
		case json.Number:
			s = string(t)
		default:
			var err error
			if s, err = d.str(at("version"), v); err != nil {
				return err
			}
		}
		switch s {
		case "2", "2.0", "2.1":
			proj.Version = s
		default:
			return d.fail(at("version"), "unsupported version %s: this tcb reads the 2.0 and 2.1 formats", quoteShort(s))
		}
	}
	if v, ok := root["envId"]; ok && v != nil {
		s, err := d.str(at("envId"), v)
		if err != nil {
			return err
		}
		proj.EnvID = strings.TrimSpace(s)
	}
	if v, ok := root["region"]; ok && v != nil {
		s, err := d.str(at("region"), v)
		if err != nil {
			return err
		}
		if s != "" {
			region, ok := NormalizeRegion(s)
			if !ok {
				return d.fail(at("region"), "invalid region %s: a region such as \"ap-shanghai\" or a shorthand gz, bj, sh, nj, cd, cq", quoteShort(s))
			}
			proj.Region = region
		}
	}
	functionRoot := DefaultFunctionRoot
	if v, ok := root["functionRoot"]; ok && v != nil {
		s, err := d.str(at("functionRoot"), v)
		if err != nil {
			return err
		}
		if s != "" {
			functionRoot = s
		}
	}
	proj.FunctionRoot = resolvePath(configDir, functionRoot)

	var defaults map[string]any
	if v, ok := root["functionDefaultConfig"]; ok && v != nil {
		dp := at("functionDefaultConfig")
		m, err := d.object(dp, v)
		if err != nil {
			return err
		}
		if _, has := m["dir"]; has {
			return d.fail(joinKey(dp, "dir"), "functionDefaultConfig cannot set a dir")
		}
		if _, err := d.function(m, func(k string) string { return joinKey(dp, k) }, true); err != nil {
			return err
		}
		defaults = m
	}

	if v, ok := root["functions"]; ok && v != nil {
		fp := at("functions")
		arr, err := d.array(fp, v)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for i, e := range arr {
			ep := joinIndex(fp, i)
			entry, err := d.object(ep, e)
			if err != nil {
				if proj.pendingEntry(err) {
					continue
				}
				return err
			}
			merged, pathFor, err := mergeEntry(d, entry, defaults, ep, at("functionDefaultConfig"))
			if err != nil {
				if proj.pendingEntry(err) {
					continue
				}
				return err
			}
			f, err := d.function(merged, pathFor, false)
			if err != nil {
				if proj.pendingEntry(err) {
					continue
				}
				return err
			}
			if rootErr, ok := proj.pending["functionRoot"]; ok && f.Dir == "" {
				if f.pending == nil {
					f.pending = map[string]*ConfigError{}
				}
				f.pending["dir"] = rootErr
			}
			if j, dup := seen[f.Name]; dup {
				return d.fail(pathFor("name"), "duplicate function name %s (also %s)", quoteShort(f.Name), joinKey(joinIndex(fp, j), "name"))
			}
			seen[f.Name] = i
			if f.Dir != "" {
				f.Dir = resolvePath(configDir, f.Dir)
			} else {
				f.Dir = filepath.Join(proj.FunctionRoot, f.Name)
			}
			f.Raw = toJSON(merged)
			proj.Functions = append(proj.Functions, f)
		}
	}
	return nil
}

// mergeEntry flattens a legacy "config" object into the entry (fields set
// directly on the entry win) and merges functionDefaultConfig under it. The
// returned pathFor tells where each key came from.
func mergeEntry(d decoder, entry, defaults map[string]any, entryPath, defaultsPath string) (map[string]any, func(string) string, error) {
	flat := make(map[string]any, len(entry))
	fromLegacy := map[string]bool{}
	for k, v := range entry {
		if k != "config" {
			flat[k] = v
		}
	}
	if v, ok := entry["config"]; ok && v != nil {
		cfg, err := d.object(joinKey(entryPath, "config"), v)
		if err != nil {
			return nil, nil, err
		}
		for k, cv := range cfg {
			if _, set := flat[k]; !set {
				flat[k] = cv
				fromLegacy[k] = true
			}
		}
	}
	merged := deepMerge(defaults, flat)
	pathFor := func(k string) string {
		_, inEntry := flat[k]
		_, inDefaults := defaults[k]
		switch {
		case !inEntry && inDefaults:
			return joinKey(defaultsPath, k)
		case fromLegacy[k]:
			return joinKey(joinKey(entryPath, "config"), k)
		}
		return joinKey(entryPath, k)
	}
	return merged, pathFor, nil
}

func resolvePath(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}
