package fndeploy

import (
	"maps"
	"path/filepath"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/project"
)

// Overrides are deploy settings given outside the project config (the
// command line). Zero values keep what the configuration says.
type Overrides struct {
	// Dir replaces the function directory (absolute).
	Dir string
	// Runtime is a canonical runtime name (project.NormalizeRuntime).
	Runtime    string
	Handler    string
	Timeout    int // seconds
	MemorySize int // MB
	// Env is merged over the configured environment variables.
	Env               map[string]string
	InstallDependency *bool
	// HTTPFn deploys a web function (Type HTTP); Path binds an HTTP access
	// path (must start with "/").
	HTTPFn bool
	Path   string
}

// Function is the function name deploys: its entry in the project config
// p, or, when p (possibly nil) does not configure it,
// project.DefaultFunction in p's function root (./functions without one).
// configured reports which. The error is a *project.ConfigError when a
// setting deploying needs holds a placeholder that could not be rendered.
func Function(p *project.Project, name string) (fn project.Function, configured bool, err error) {
	if p != nil {
		cfg, err := p.Lookup(name)
		if err != nil {
			return fn, false, err
		}
		if cfg != nil {
			return *cfg, true, nil
		}
		if err := p.Resolved("functionRoot"); err != nil {
			return fn, false, err
		}
	}
	fn = project.DefaultFunction(name, "")
	if p != nil && p.FunctionRoot != "" {
		fn.Dir = filepath.Join(p.FunctionRoot, name)
	}
	return fn, false, nil
}

// NewSpec is the desired state of fn with o applied: the settings are
// validated (project.Function.Validate, the rules the config loader
// applies, so a flag and a config key get the same message), then the
// defaults fill what is still unset. The error is a *project.ConfigError
// naming the setting.
func NewSpec(fn project.Function, o Overrides) (Spec, error) {
	if o.Dir != "" {
		fn.Dir = o.Dir
	}
	if o.Runtime != "" {
		fn.Runtime = o.Runtime
	}
	if o.Handler != "" {
		fn.Handler = o.Handler
	}
	if o.Timeout != 0 {
		fn.Timeout = o.Timeout
	}
	if o.MemorySize != 0 {
		fn.MemorySize = o.MemorySize
	}
	if len(o.Env) > 0 {
		merged := maps.Clone(fn.EnvVariables)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, o.Env)
		fn.EnvVariables = merged
	}
	if o.InstallDependency != nil {
		b := *o.InstallDependency
		fn.InstallDependency = &b
	}
	if o.HTTPFn {
		fn.Type = "HTTP"
	}
	if o.Path != "" {
		fn.Path = o.Path
	}
	if err := fn.Validate(); err != nil {
		return Spec{}, err
	}
	return specOf(fn.WithDefaults()), nil
}

// specOf converts a function whose defaults are applied.
func specOf(d project.Function) Spec {
	s := Spec{
		Name:              d.Name,
		Dir:               d.Dir,
		Handler:           d.Handler,
		Runtime:           d.Runtime,
		Timeout:           int64(d.Timeout),
		MemorySize:        int64(d.MemorySize),
		Env:               d.EnvVariables,
		InstallDependency: d.InstallDependency != nil && *d.InstallDependency,
		Ignore:            d.Ignore,
		Type:              d.Type,
		Path:              d.Path,
	}
	if d.VPC != nil {
		s.VPC = &cloudapi.VpcConfig{VpcId: d.VPC.VpcID, SubnetId: d.VPC.SubnetID}
	}
	for _, l := range d.Layers {
		s.Layers = append(s.Layers, cloudapi.LayerVersionSimple{LayerName: l.Name, LayerVersion: int64(l.Version)})
	}
	for _, t := range d.Triggers {
		s.Triggers = append(s.Triggers, Trigger{Name: t.Name, Type: t.Type, Config: t.Config})
	}
	return s
}
