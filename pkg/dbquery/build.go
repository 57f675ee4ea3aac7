package dbquery

import (
	"fmt"
	"math"
)

// The build_*.go files turn "intermediate" values — model values that may
// still hold *command nodes from db.command / _ — into the canonical MongoDB
// forms stored in a Query: filters (build_filter.go), updates
// (build_update.go), inserted documents, projections and aggregate stages
// (build_stage.go). They are shared by the statement parser and FromFlags,
// so that a statement and its flag/JSON equivalent produce identical
// Queries. This file holds the command nodes and the helpers they share.

type cmdKind int

const (
	cmdQuery  cmdKind = iota // _.eq, _.gt, _.in, ... (field conditions)
	cmdLogic                 // _.and, _.or, _.nor, _.not
	cmdUpdate                // _.set, _.inc, _.push, ...
	cmdExpr                  // _.expr
)

// command is an unevaluated db.command call. args are intermediate values.
type command struct {
	kind cmdKind
	op   string
	args []any
}

func (c *command) String() string { return "db.command." + c.op + "()" }

func unsupportedOp(op string) error {
	return fmt.Errorf("unsupported operator %s", op)
}

// truthy is JavaScript truthiness on model values.
func truthy(v Value) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0 && !math.IsNaN(t)
	case string:
		return t != ""
	}
	return true
}

// plainValue verifies that v holds no commands (they only make sense in
// conditions and update data) and returns it.
func plainValue(v any, where string) (Value, error) {
	switch t := v.(type) {
	case *command:
		return nil, fmt.Errorf("%s cannot be used as a value (in %s)", t, where)
	case []any:
		for _, e := range t {
			if _, err := plainValue(e, where); err != nil {
				return nil, err
			}
		}
	case *Document:
		for _, f := range t.Fields() {
			if _, err := plainValue(f.Value, where); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}
