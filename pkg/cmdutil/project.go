package cmdutil

import (
	"errors"
	"os"

	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/project"
)

// loadProjectConfig is the default of Factory.ProjectConfig (New makes it
// run once).
func (f *Factory) loadProjectConfig() (*project.Project, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, LocalErrorf("cannot read the working directory: %v", err)
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
		return nil, nil
	}
	if err != nil {
		if _, ok := errkind.Of(err); !ok {
			err = errkind.Wrap(errkind.Local, err)
		}
		return nil, err
	}
	return p, nil
}
