package cmdutil

import (
	"errors"
	"os"
	"sync"

	"github.com/tcb-go/tcb/pkg/project"
)

type projectCache struct {
	once sync.Once
	p    *project.Project
	err  error
}

// ProjectConfig loads the project config of the working directory
// (cloudbaserc.json, package.json "cloudbase", WeChat project.config.json,
// or --config-file) once. No config is (nil, nil) unless --config-file named
// one.
func (f *Factory) ProjectConfig() (*project.Project, error) {
	f.projOnce.once.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			f.projOnce.err = LocalErrorf("cannot read the working directory: %v", err)
			return
		}
		envID := f.Globals.EnvID
		if envID == "" {
			envID = f.Getenv("TCB_ENV_ID")
		}
		p, err := project.Load(project.LoadOptions{
			Dir:        dir,
			ConfigFile: f.Globals.ConfigFile,
			Mode:       f.Globals.Mode,
			EnvID:      envID,
		})
		if errors.Is(err, project.ErrNoConfig) && f.Globals.ConfigFile == "" {
			return
		}
		if err != nil {
			f.projOnce.err = WithCode(ExitLocal, err)
			return
		}
		f.projOnce.p = p
	})
	return f.projOnce.p, f.projOnce.err
}

// ProjectInfoFromConfig adapts ProjectConfig for env-id and region
// resolution.
func (f *Factory) ProjectInfoFromConfig() (*ProjectInfo, error) {
	p, err := f.ProjectConfig()
	if err != nil || p == nil {
		return nil, err
	}
	return &ProjectInfo{Path: p.ConfigPath, EnvID: p.EnvID, Region: p.Region}, nil
}
