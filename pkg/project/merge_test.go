package project

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestFunctionDefaultConfigMerge(t *testing.T) {
	rc := `{
	"envId": "e",
	"functionDefaultConfig": {
		"runtime": "Nodejs18.15", "timeout": 20, "memorySize": 512,
		"envVariables": {"SHARED": "d", "OVERRIDDEN": "d"},
		"vpc": {"vpcId": "vpc-d", "subnetId": "subnet-d"},
		"ignore": ["*.md", ".git"],
		"triggers": [{"name": "d", "type": "timer", "config": "0 0 * * * * *"}],
		"params": {"a": {"x": 1, "y": 2}, "list": [1, 2]},
		"custom": {"deep": {"keep": true}}
	},
	"functions": [
		{"name": "plain"},
		{"name": "override", "timeout": 60,
		 "envVariables": {"OVERRIDDEN": "e", "OWN": "e"},
		 "vpc": {"subnetId": "subnet-e"},
		 "ignore": "node_modules",
		 "triggers": [],
		 "params": {"a": {"y": 3}, "list": [9]},
		 "custom": {"deep": {"more": 1}}},
		{"name": "legacy", "config": {"timeout": 5, "memorySize": 128, "runtime": "Nodejs16.13"}, "memorySize": 256}
	]}`
	p, _ := mustLoad(t, map[string]string{"cloudbaserc.json": rc}, LoadOptions{})
	plain, over, legacy := p.Functions[0], p.Functions[1], p.Functions[2]
	if plain.Runtime != "Nodejs18.15" || plain.Timeout != 20 || plain.MemorySize != 512 || len(plain.Triggers) != 1 {
		t.Errorf("plain %+v", plain)
	}
	if !reflect.DeepEqual(plain.Ignore, []string{"*.md", ".git"}) {
		t.Errorf("plain ignore %v", plain.Ignore)
	}
	if over.Timeout != 60 || over.MemorySize != 512 {
		t.Errorf("override scalars %+v", over)
	}
	if !reflect.DeepEqual(over.EnvVariables, map[string]string{"SHARED": "d", "OVERRIDDEN": "e", "OWN": "e"}) {
		t.Errorf("objects merge: %v", over.EnvVariables)
	}
	if *over.VPC != (VPC{VpcID: "vpc-d", SubnetID: "subnet-e"}) {
		t.Errorf("vpc merge %+v", over.VPC)
	}
	if !reflect.DeepEqual(over.Ignore, []string{"node_modules"}) || len(over.Triggers) != 0 {
		t.Errorf("arrays and values replace: %v %v", over.Ignore, over.Triggers)
	}
	var params, raw map[string]any
	json.Unmarshal(over.Params, &params)
	if !reflect.DeepEqual(params, map[string]any{"a": map[string]any{"x": 1.0, "y": 3.0}, "list": []any{9.0}}) {
		t.Errorf("params %s", over.Params)
	}
	json.Unmarshal(over.Raw, &raw)
	if !reflect.DeepEqual(raw["custom"], map[string]any{"deep": map[string]any{"keep": true, "more": 1.0}}) {
		t.Errorf("unknown fields merge too: %v", raw["custom"])
	}
	// Legacy config: flattened; the entry's own field wins.
	if legacy.Timeout != 5 || legacy.MemorySize != 256 || legacy.Runtime != "Nodejs16.13" {
		t.Errorf("legacy %+v", legacy)
	}
	if _, ok := raw["config"]; ok {
		t.Error("config key kept")
	}
}

func TestMergeErrorPaths(t *testing.T) {
	cases := []struct {
		name, rc, field, frag string
	}{
		{"error inside defaults", `{"functionDefaultConfig":{"timeout":1000},"functions":[{"name":"fn"}]}`,
			"functionDefaultConfig.timeout", "1-900"},
		{"name in defaults", `{"functionDefaultConfig":{"name":"x"}}`, "functionDefaultConfig.name", "cannot set a name"},
		{"dir in defaults", `{"functionDefaultConfig":{"dir":"x"}}`, "functionDefaultConfig.dir", "cannot set a dir"},
		{"defaults not an object", `{"functionDefaultConfig":[]}`, "functionDefaultConfig", "expected an object, got array"},
		{"legacy config field", `{"functions":[{"name":"fn","config":{"timeout":"x"}}]}`, "functions[0].config.timeout", `expected a number, got string "x"`},
		{"legacy config not an object", `{"functions":[{"name":"fn","config":3}]}`, "functions[0].config", "expected an object, got number 3"},
		{"cross-field with a default runtime", `{"functionDefaultConfig":{"runtime":"Java8"},"functions":[{"name":"fn","handler":"index.main"}]}`,
			"functions[0].handler", "package.Class::method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := load(t, map[string]string{"cloudbaserc.json": c.rc}, LoadOptions{})
			wantConfigError(t, err, "cloudbaserc.json", c.field, c.frag)
		})
	}
}

func TestDeepMergeDoesNotAlias(t *testing.T) {
	base := map[string]any{"o": map[string]any{"a": 1}}
	m := deepMerge(base, map[string]any{"o": map[string]any{"b": 2}})
	m["o"].(map[string]any)["c"] = 3
	if len(base["o"].(map[string]any)) != 1 {
		t.Error("base modified")
	}
}
