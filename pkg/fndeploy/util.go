package fndeploy

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"

	"github.com/tcb-go/tcb/pkg/cloudapi"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func boolFlag(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// envOf turns a map into the API's sorted variable list; nil when empty
// (the API must not receive an empty Environment on create).
func envOf(m map[string]string) *cloudapi.Environment {
	if len(m) == 0 {
		return nil
	}
	env := &cloudapi.Environment{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		env.Variables = append(env.Variables, cloudapi.Variable{Key: k, Value: m[k]})
	}
	return env
}

// cronOf extracts the cron from a TriggerDesc, which the API shows either
// as the bare expression or as {"cron":"..."}.
func cronOf(desc string) string {
	var v struct {
		Cron string `json:"cron"`
	}
	if json.Unmarshal([]byte(desc), &v) == nil && v.Cron != "" {
		return v.Cron
	}
	return desc
}
