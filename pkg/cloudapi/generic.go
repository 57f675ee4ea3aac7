package cloudapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
)

// Generic calls (`tcb api SERVICE ACTION`): any product and action,
// signed like every other call.

// KnownVersions are the API versions of the products CloudBase tooling
// uses (the versions @cloudbase/cloud-api pins), the default of `tcb api`.
var KnownVersions = map[string]string{
	"tcb":     "2018-06-08",
	"scf":     "2018-04-16",
	"flexdb":  "2018-11-27",
	"cam":     "2019-01-16",
	"vpc":     "2017-03-12",
	"ssl":     "2019-12-05",
	"tcbr":    "2022-02-17",
	"billing": "2018-07-09",
	"cdn":     "2018-06-06",
	"lowcode": "2021-01-08",
	"tcr":     "2019-09-24",
	"cls":     "2020-10-16",
	"sts":     "2018-08-13",
	"cvm":     "2017-03-12",
}

// KnownServices lists KnownVersions' keys, sorted.
func KnownServices() []string {
	out := make([]string, 0, len(KnownVersions))
	for s := range KnownVersions {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

var (
	serviceRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9]{1,31}$`) })
	actionRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z][A-Za-z0-9]{1,63}$`) })
	versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^20[0-9]{2}-[01][0-9]-[0-3][0-9]$`) })
)

// ValidateCall checks a service name (lower case, as in
// <service>.tencentcloudapi.com), an action name (CamelCase) and a version
// (YYYY-MM-DD).
func ValidateCall(service, action, version string) error {
	switch {
	case !serviceRE().MatchString(service):
		return fmt.Errorf("invalid service %q: lower-case letters and digits, as in <service>.tencentcloudapi.com (tcb, scf, ...)", service)
	case !actionRE().MatchString(action):
		return fmt.Errorf("invalid action %q: a CamelCase API action such as DescribeEnvs", action)
	case !versionRE().MatchString(version):
		return fmt.Errorf("invalid version %q: the API version is a date, YYYY-MM-DD", version)
	}
	return nil
}

// MaxParamsSize is the largest parameter body accepted (the API's POST
// limit).
const MaxParamsSize = 10 << 20

// ParseParams checks that body is one JSON object (whitespace around it
// allowed; empty means {}) and returns its members, raw.
func ParseParams(body []byte) (map[string]json.RawMessage, error) {
	if len(body) > MaxParamsSize {
		return nil, fmt.Errorf("the body is %d bytes; the limit is %d", len(body), MaxParamsSize)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	if body[0] != '{' {
		return nil, errors.New("the body must be a JSON object ({...})")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("the body has data after its JSON object")
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, nil
}
