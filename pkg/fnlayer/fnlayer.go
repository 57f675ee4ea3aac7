// Package fnlayer holds the domain logic of `tcb fn layer ...`: layer
// names, packaging a layer's content, and the bound-layer lists that bind,
// unbind and sort send with UpdateFunctionConfiguration. It never prints
// and never prompts.
//
// As in the official CLI, a layer created for an environment is named
// "<alias>_<envId>" and tagged with Src "TCB_<envId>"; commands take the
// alias (a full name that already ends in "_<envId>" is used as it is).
package fnlayer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/tcb-go/tcb/internal/ascii"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/funcpack"
)

// MaxBound is how many layers one function may bind.
const MaxBound = 5

// DefaultRuntimes are the runtimes the official CLI declares for the
// layers it creates.
var DefaultRuntimes = []string{"Nodejs8.9", "Php7", "Java8"}

// InvalidError is bad input (exit 3 in the CLI).
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, a ...any) error { return &InvalidError{fmt.Sprintf(format, a...)} }

// Name is the layer name of alias in envID.
func Name(alias, envID string) string {
	if strings.HasSuffix(alias, "_"+envID) {
		return alias
	}
	return alias + "_" + envID
}

// Src is the tag of the layers of envID.
func Src(envID string) string { return "TCB_" + envID }

// CheckAlias validates a layer alias: the layer name it makes must be
// 1-64 letters, digits, '-' and '_', starting with a letter.
func CheckAlias(alias, envID string) error {
	name := Name(alias, envID)
	if alias == "" || len(name) > 64 || !ascii.Letter(name[0]) || !ascii.Only(name, func(c byte) bool { return ascii.Word(c) || c == '-' }) {
		return invalid("layer alias %q is invalid: letters, digits, '-' and '_', starting with a letter (the layer name %q is at most 64 characters)", alias, name)
	}
	return nil
}

// Package returns the zip of a layer's content: a directory is packed
// (node_modules included), a .zip file is read and checked like function
// code. Up to funcpack.MaxZipSize; a zip over funcpack.MaxInlineZipSize
// goes through COS (see Inline).
func Package(ctx context.Context, path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		pkg, err := funcpack.PackBytes(ctx, path, funcpack.Options{})
		if err != nil {
			return nil, err
		}
		if err := funcpack.CheckZipSize(int64(len(pkg.Zip))); err != nil {
			return nil, err
		}
		return pkg.Zip, nil
	}
	if !strings.HasSuffix(strings.ToLower(path), ".zip") {
		return nil, invalid("%s: give a directory or a .zip file", path)
	}
	if err := funcpack.CheckZipSize(st.Size()); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	stats, err := funcpack.Validate(bytes.NewReader(b), int64(len(b)), funcpack.DefaultLimits())
	if err != nil {
		return nil, invalid("%s is not a usable zip: %v", path, err)
	}
	if stats.Files == 0 {
		return nil, invalid("%s holds no files", path)
	}
	return b, nil
}

// Inline reports whether a layer zip of size bytes is sent inline
// (Content.ZipFile); a larger one is uploaded through SCF's temporary code
// bucket first and named in Content.TempCosObjectName, as function code
// is (fndeploy.UploadTempCode).
func Inline(size int64) bool { return size <= funcpack.MaxInlineZipSize }

// Ref is a layer version.
type Ref struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

func (r Ref) String() string { return r.Name + ":" + strconv.FormatInt(r.Version, 10) }

// ParseRef reads ALIAS:VERSION (or NAME:VERSION) in envID.
func ParseRef(s, envID string) (Ref, error) {
	alias, ver, ok := strings.Cut(s, ":")
	v, err := strconv.ParseInt(ver, 10, 64)
	if !ok || err != nil || v < 1 {
		return Ref{}, invalid("%q must be ALIAS:VERSION, e.g. utils:2", s)
	}
	if err := CheckAlias(alias, envID); err != nil {
		return Ref{}, err
	}
	return Ref{Name: Name(alias, envID), Version: v}, nil
}

// Bound turns GetFunction's Layers into refs, in bound order.
func Bound(layers []cloudapi.LayerVersionInfo) []Ref {
	out := make([]Ref, 0, len(layers))
	for _, l := range layers {
		out = append(out, Ref{Name: l.LayerName, Version: l.LayerVersion})
	}
	return out
}

// Simple is the API form of refs.
func Simple(refs []Ref) []cloudapi.LayerVersionSimple {
	out := make([]cloudapi.LayerVersionSimple, 0, len(refs))
	for _, r := range refs {
		out = append(out, cloudapi.LayerVersionSimple{LayerName: r.Name, LayerVersion: r.Version})
	}
	return out
}

func index(refs []Ref, r Ref) int {
	for i, b := range refs {
		if b == r {
			return i
		}
	}
	return -1
}

// Bind appends r to the bound layers (it then wins over the others where
// they hold the same file).
func Bind(bound []Ref, r Ref) ([]Ref, error) {
	if index(bound, r) >= 0 {
		return nil, invalid("layer %s is already bound", r)
	}
	if len(bound) >= MaxBound {
		return nil, invalid("the function already binds %d layers, the limit", len(bound))
	}
	return append(append([]Ref{}, bound...), r), nil
}

// Unbind removes r from the bound layers.
func Unbind(bound []Ref, r Ref) ([]Ref, error) {
	i := index(bound, r)
	if i < 0 {
		return nil, invalid("layer %s is not bound to the function (bound: %s)", r, list(bound))
	}
	return append(append([]Ref{}, bound[:i]...), bound[i+1:]...), nil
}

// Sort checks that order is the bound layers in another order.
func Sort(bound, order []Ref) ([]Ref, error) {
	if len(order) != len(bound) {
		return nil, invalid("name every bound layer once, in the new order (bound: %s)", list(bound))
	}
	for i, r := range order {
		if index(bound, r) < 0 || index(order[:i], r) >= 0 {
			return nil, invalid("name every bound layer once, in the new order (bound: %s; %s is not one of them or is named twice)", list(bound), r)
		}
	}
	return order, nil
}

func list(refs []Ref) string {
	if len(refs) == 0 {
		return "none"
	}
	s := make([]string, len(refs))
	for i, r := range refs {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}

// Apply changes the layers bound to function fn of envID: change gets the
// bound list and returns the new one, which is sent with
// UpdateFunctionConfiguration; Apply then waits until the function is
// Active again (an update that fails is an error).
func Apply(ctx context.Context, c *cloudapi.Client, envID, fn string, change func([]Ref) ([]Ref, error)) ([]Ref, error) {
	cur, err := c.GetFunction(ctx, envID, fn)
	if err != nil {
		return nil, err
	}
	next, err := change(Bound(cur.Layers))
	if err != nil {
		return nil, err
	}
	if err := c.SetFunctionLayers(ctx, envID, fn, Simple(next)); err != nil {
		return nil, err
	}
	err = cloudapi.Poll(ctx, cloudapi.PollOptions{What: fn + " to become Active"}, func(ctx context.Context) (bool, string, error) {
		st, err := c.GetFunction(ctx, envID, fn)
		if err != nil {
			return false, "", err
		}
		if st.Status == cloudapi.StatusUpdateFailed {
			msg := st.StatusDesc
			return false, st.Status, fmt.Errorf("updating the layers of %s failed: %s", fn, msg)
		}
		return st.Status == cloudapi.StatusActive, st.Status, nil
	})
	return next, err
}
