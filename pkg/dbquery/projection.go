package dbquery

import (
	"errors"
	"fmt"
	"strings"
)

// Projection: find()'s field() ({path: 1|0}) and the aggregate $project stage
// (which also allows computed fields). Inclusion keeps the listed paths (and
// _id unless {_id: 0}) in the document's field order, computed fields are
// appended in specification order; exclusion drops the listed paths.

type projNode struct {
	leaf     bool     // include (inclusion mode) or exclude (exclusion mode)
	expr     exprNode // computed field ($project only)
	children map[string]*projNode
	order    []string
	computed bool // this subtree holds computed fields
}

type projection struct {
	inclusion bool
	root      *projNode
}

func newProjNode() *projNode { return &projNode{children: map[string]*projNode{}} }

// compileProjection compiles a projection; allowExpr enables $project's
// computed fields and nested specifications.
func compileProjection(spec *Document, allowExpr bool) (*projection, error) {
	p := &projection{root: newProjNode()}
	incl, excl := false, false
	idSeen, idExcluded := false, false
	var add func(prefix string, d *Document, depth int) error
	add = func(prefix string, d *Document, depth int) error {
		if depth > maxValueDepth {
			return errors.New("projection nested too deeply")
		}
		for _, f := range d.Fields() {
			if f.Key == "" || strings.HasPrefix(f.Key, "$") {
				return fmt.Errorf("invalid projection field name %q", f.Key)
			}
			path := joinPath(prefix, f.Key)
			var include bool
			var expr exprNode
			switch v := f.Value.(type) {
			case bool:
				include = v
			case int64, float64:
				include = truthy(v)
			case *Document:
				if !allowExpr {
					return fmt.Errorf("unsupported projection value for %q (only 1/0 or true/false)", path)
				}
				if v.Len() > 0 && !strings.HasPrefix(v.fields[0].Key, "$") {
					if err := add(path, v, depth+1); err != nil {
						return err
					}
					continue
				}
				n, err := compileNode(v, 0)
				if err != nil {
					return err
				}
				expr = n
			default:
				if !allowExpr {
					return fmt.Errorf("unsupported projection value for %q (only 1/0 or true/false)", path)
				}
				n, err := compileNode(v, 0)
				if err != nil {
					return err
				}
				expr = n
			}
			if path == "_id" {
				idSeen = true
				if expr == nil && !include {
					idExcluded = true
				}
			} else {
				switch {
				case expr != nil || include:
					incl = true
				default:
					excl = true
				}
			}
			if err := p.root.insert(path, expr); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add("", spec, 0); err != nil {
		return nil, err
	}
	if incl && excl {
		return nil, errors.New("cannot mix inclusion and exclusion in a projection (except for _id)")
	}
	p.inclusion = incl || (!excl && !idExcluded && idSeen)
	if p.inclusion {
		if idExcluded {
			delete(p.root.children, "_id")
			p.root.order = removeString(p.root.order, "_id")
		} else if !idSeen {
			p.root.insert("_id", nil)
			// _id first.
			p.root.order = append([]string{"_id"}, removeString(p.root.order, "_id")...)
		}
	}
	return p, nil
}

func removeString(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func (n *projNode) insert(path string, expr exprNode) error {
	parts := strings.Split(path, ".")
	cur := n
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("invalid projection path %q", path)
		}
		child, ok := cur.children[part]
		last := i == len(parts)-1
		if ok && (child.leaf || child.expr != nil || last) {
			return fmt.Errorf("path collision at %s", path)
		}
		if !ok {
			child = newProjNode()
			cur.children[part] = child
			cur.order = append(cur.order, part)
		}
		if expr != nil {
			cur.computed = true
		}
		if last {
			child.leaf = expr == nil
			child.expr = expr
			if expr != nil {
				child.computed = true
			}
		}
		cur = child
	}
	return nil
}

// apply projects doc (root is the document expressions see as $$ROOT).
func (p *projection) apply(doc *Document) (*Document, error) {
	if p.inclusion {
		return p.root.include(doc, doc)
	}
	return p.root.exclude(doc), nil
}

func (n *projNode) include(d *Document, root *Document) (*Document, error) {
	out := &Document{}
	for _, f := range d.Fields() {
		child, ok := n.children[f.Key]
		if !ok || child.expr != nil {
			continue
		}
		if child.leaf {
			out.fields = append(out.fields, f)
			continue
		}
		v, keep, err := child.includeValue(f.Value, root)
		if err != nil {
			return nil, err
		}
		if keep {
			out.fields = append(out.fields, Field{Key: f.Key, Value: v})
		}
	}
	for _, k := range n.order {
		child := n.children[k]
		switch {
		case child.expr != nil:
			v, err := child.expr.eval(root)
			if err != nil {
				return nil, err
			}
			if !isMissing(v) {
				out.Set(k, v)
			}
		case child.computed && !out.Has(k):
			sub, err := child.include(&Document{}, root)
			if err != nil {
				return nil, err
			}
			if sub.Len() > 0 {
				out.Set(k, sub)
			}
		}
	}
	return out, nil
}

func (n *projNode) includeValue(v Value, root *Document) (Value, bool, error) {
	switch t := v.(type) {
	case *Document:
		d, err := n.include(t, root)
		return d, true, err
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			r, keep, err := n.includeValue(e, root)
			if err != nil {
				return nil, false, err
			}
			if keep {
				out = append(out, r)
			}
		}
		return out, true, nil
	}
	if n.computed {
		d, err := n.include(&Document{}, root)
		return d, true, err
	}
	return nil, false, nil
}

func (n *projNode) exclude(d *Document) *Document {
	out := &Document{fields: make([]Field, 0, d.Len())}
	for _, f := range d.Fields() {
		child, ok := n.children[f.Key]
		if !ok {
			out.fields = append(out.fields, f)
			continue
		}
		if child.leaf {
			continue
		}
		out.fields = append(out.fields, Field{Key: f.Key, Value: child.excludeValue(f.Value)})
	}
	return out
}

func (n *projNode) excludeValue(v Value) Value {
	switch t := v.(type) {
	case *Document:
		return n.exclude(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = n.excludeValue(e)
		}
		return out
	}
	return v
}

// ApplyProjection applies a find() projection ({path: 1|0}, as in
// Query.Projection) to doc and returns a new document; doc is not modified.
func ApplyProjection(doc *Document, projection *Document) (*Document, error) {
	if projection == nil || projection.Len() == 0 {
		return doc, nil
	}
	p, err := compileProjection(projection, false)
	if err != nil {
		return nil, err
	}
	return p.apply(doc)
}
