package cmdutil

import "github.com/tcb-go/tcb/pkg/cloudapi"

// CloudTarget returns the Cloud API client and the environment a command
// acts on (RequireEnvID). Credentials come first: with neither keys nor an
// environment, "not logged in" is the problem to fix first, and the
// environment chooser needs the client anyway.
func (f *Factory) CloudTarget() (*cloudapi.Client, string, error) {
	client, err := f.CloudAPI()
	if err != nil {
		return nil, "", err
	}
	envID, err := f.RequireEnvID()
	if err != nil {
		return nil, "", err
	}
	return client, envID, nil
}
