package project

import (
	"errors"
	"maps"
	"slices"
)

// Placeholders resolve lazily: a placeholder whose variable is not set
// does not stop Load. The setting holding it is left unset and its error is
// kept, to be returned by the readers that need it: Project.Resolved for
// top-level settings (envId, region, functionRoot, hosting, ...),
// Function.Resolved for a function's settings, Project.Lookup for finding
// a function. So a {{env.DB_PASSWORD}} in one function's envVariables
// stops fn deploy of that function, and not env list or db count.

// setAsidePending records the top-level settings holding an unresolved
// placeholder and returns root without them. "functions" and
// "functionDefaultConfig" are looked into entry by entry (see
// pendingEntry and Function.Resolved) unless they are a placeholder
// themselves.
func (p *Project) setAsidePending(root map[string]any) map[string]any {
	var out map[string]any
	for _, k := range slices.Sorted(maps.Keys(root)) {
		var e *ConfigError
		if k == "functions" || k == "functionDefaultConfig" {
			if u, ok := root[k].(unresolved); ok {
				e = u.err
			}
		} else {
			e = firstUnresolved(root[k])
		}
		if e == nil {
			continue
		}
		if out == nil {
			out = maps.Clone(root)
			p.pending = map[string]*ConfigError{}
		}
		p.pending[k] = e
		delete(out, k)
	}
	if out == nil {
		return root
	}
	return out
}

// pendingEntry records err against "functions" when it comes from an
// unresolved placeholder that hides a function entry (a whole entry, its
// legacy "config" object or its name); it reports whether it did.
func (p *Project) pendingEntry(err error) bool {
	var ce *ConfigError
	if !errors.Is(err, ErrUnresolved) || !errors.As(err, &ce) {
		return false
	}
	if p.pending == nil {
		p.pending = map[string]*ConfigError{}
	}
	if _, ok := p.pending["functions"]; !ok {
		p.pending["functions"] = ce
	}
	return true
}

// Resolved returns the error of the first of the top-level settings
// fields (config keys such as "envId", "region", "functionRoot",
// "hosting") whose placeholder could not be rendered; nil when they are
// usable. With no fields it checks the whole configuration, every
// function included: what a command that needs all of it calls.
func (p *Project) Resolved(fields ...string) error {
	if p == nil {
		return nil
	}
	if len(fields) == 0 {
		for _, k := range slices.Sorted(maps.Keys(p.pending)) {
			return p.pending[k]
		}
		for i := range p.Functions {
			if err := p.Functions[i].Resolved(); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range fields {
		if e, ok := p.pending[k]; ok {
			return e
		}
	}
	return nil
}

// Lookup finds the function called name and checks the settings fields of
// it (none: all of them; see Function.Resolved). It returns nil and no
// error when the configuration does not mention name, and an error when
// it cannot tell: an entry whose name is an unresolved placeholder could
// be the one, and an unresolved functionDefaultConfig changes every entry.
func (p *Project) Lookup(name string, fields ...string) (*Function, error) {
	if e, ok := p.pending["functionDefaultConfig"]; ok {
		return nil, e
	}
	fn, ok := p.Function(name)
	if !ok {
		if e, ok := p.pending["functions"]; ok {
			return nil, e
		}
		return nil, nil
	}
	if err := fn.Resolved(fields...); err != nil {
		return nil, err
	}
	return fn, nil
}
