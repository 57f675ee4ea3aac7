package project

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// loadWeChat reads a WeChat mini program project.config.json. Each
// sub-directory of cloudfunctionRoot holding an index.js or a package.json
// is a function named after the directory; its optional config.json may set
// "triggers" and "permissions" (and any other function field). Nothing is
// rendered: WeChat projects have no placeholders.
func (l *loader) loadWeChat(p string) (*Project, error) {
	shown := l.display(p)
	data, err := l.read(p)
	if err != nil {
		return nil, err
	}
	v, cerr := decodeJSON(data)
	if cerr != nil {
		cerr.File = shown
		return nil, cerr
	}
	d := decoder{file: shown}
	root, err := d.object("", v)
	if err != nil {
		return nil, err
	}
	configDir := filepath.Dir(p)
	proj := &Project{ConfigPath: p, Kind: KindWeChat, Raw: toJSON(root)}
	optString := func(key string) (string, error) {
		x, ok := root[key]
		if !ok || x == nil {
			return "", nil
		}
		return d.str(key, x)
	}
	if proj.AppID, err = optString("appid"); err != nil {
		return nil, err
	}
	mp, err := optString("miniprogramRoot")
	if err != nil {
		return nil, err
	}
	if mp != "" {
		proj.MiniprogramRoot = resolvePath(configDir, mp)
	}
	cfRoot, err := optString("cloudfunctionRoot")
	if err != nil {
		return nil, err
	}
	if cfRoot == "" {
		return proj, nil
	}
	proj.FunctionRoot = resolvePath(configDir, cfRoot)
	des, err := os.ReadDir(proj.FunctionRoot)
	if err != nil {
		return nil, &ConfigError{File: shown, Field: "cloudfunctionRoot", Problem: fmt.Sprintf("cannot read the cloud function directory %s: %s", l.display(proj.FunctionRoot), errText(err)), Err: err}
	}
	for _, de := range des { // sorted by name
		name := de.Name()
		dir := filepath.Join(proj.FunctionRoot, name)
		if strings.HasPrefix(name, ".") {
			continue
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		if !isFile(filepath.Join(dir, "index.js")) && !isFile(filepath.Join(dir, "package.json")) {
			continue
		}
		if p := nameProblem(name); p != "" {
			return nil, &ConfigError{File: l.display(dir), Problem: "the directory name is not a valid cloud function name: " + p}
		}
		entry := map[string]any{}
		cfgFile := shown
		pathFor := func(k string) string { return joinKey("", k) }
		if cp := filepath.Join(dir, "config.json"); isFile(cp) {
			cfgFile = l.display(cp)
			data, err := l.read(cp)
			if err != nil {
				return nil, err
			}
			cv, cerr := decodeJSON(data)
			if cerr != nil {
				cerr.File = cfgFile
				return nil, cerr
			}
			cd := decoder{file: cfgFile}
			obj, err := cd.object("", cv)
			if err != nil {
				return nil, err
			}
			entry = obj
		}
		entry["name"] = name
		f, err := decoder{file: cfgFile}.function(entry, pathFor, false)
		if err != nil {
			return nil, err
		}
		f.Dir = dir
		f.Raw = toJSON(entry)
		proj.Functions = append(proj.Functions, f)
	}
	return proj, nil
}
