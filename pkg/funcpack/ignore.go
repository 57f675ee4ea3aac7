package funcpack

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// NodeModulesIgnore are the patterns added by Options.ExcludeNodeModules,
// the same pair the official CLI adds when dependencies are installed in the
// cloud. Like there, only the top-level node_modules directory is excluded.
var NodeModulesIgnore = []string{"node_modules", "node_modules/**/*"}

// ignoreRule is one normalized ignore pattern.
type ignoreRule struct {
	glob    string
	dirOnly bool // the pattern ended with "/": matches directories only
}

// ignoreMatcher implements the ignore semantics described in the package
// documentation.
type ignoreMatcher struct {
	rules []ignoreRule
	shown []string // the patterns as given, for messages
}

func newIgnoreMatcher(patterns []string) (*ignoreMatcher, error) {
	m := &ignoreMatcher{}
	seen := map[string]bool{}
	for _, p := range patterns {
		orig := p
		p = strings.TrimSpace(p)
		for {
			if q := strings.TrimPrefix(p, "./"); q != p {
				p = q
				continue
			}
			if q := strings.TrimPrefix(p, "/"); q != p {
				p = q
				continue
			}
			break
		}
		dirOnly := false
		for strings.HasSuffix(p, "/") {
			p = strings.TrimSuffix(p, "/")
			dirOnly = true
		}
		if p == "" || p == "." {
			continue
		}
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("invalid ignore pattern %q: %w", orig, doublestar.ErrBadPattern)
		}
		key := fmt.Sprintf("%t:%s", dirOnly, p)
		if seen[key] {
			continue
		}
		seen[key] = true
		m.rules = append(m.rules, ignoreRule{glob: p, dirOnly: dirOnly})
		m.shown = append(m.shown, strings.TrimSpace(orig))
	}
	return m, nil
}

// match reports whether the slash path rel (relative to the function
// directory) is ignored.
func (m *ignoreMatcher) match(rel string, isDir bool) bool {
	for _, r := range m.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if doublestar.MatchUnvalidated(r.glob, rel) {
			return true
		}
	}
	return false
}

// effectiveIgnore returns the ignore list Pack uses for opts.
func effectiveIgnore(opts Options) []string {
	var out []string
	if opts.ExcludeNodeModules {
		out = append(out, NodeModulesIgnore...)
	}
	return append(out, opts.Ignore...)
}
