// Package project loads a CloudBase project's configuration so that
// commands such as "tcb fn deploy" can find its functions:
//
//   - cloudbaserc (JSON or YAML: cloudbaserc, cloudbaserc.json,
//     cloudbaserc.yaml, cloudbaserc.yml, or --config-file) and the
//     "cloudbase" key of package.json, schema versions 2.0 and 2.1;
//   - .env, .env.local and .env.<mode> files and {{env.X}}, {{tcb.envId}},
//     {{util.uid}} placeholders;
//   - WeChat mini program projects (project.config.json with
//     cloudfunctionRoot, and each function's config.json);
//   - validation of every function setting against the cloud's limits, with
//     errors (*ConfigError) that name the file, the JSON path of the value
//     and what is allowed;
//   - the 7-field timer trigger cron syntax: ParseCron, ValidateCron and
//     NextCron (used by the emulator to fire timers).
//
// The package never prints and never prompts.
//
// # Function entries
//
// For each entry of "functions", a legacy "config" object is flattened into
// the entry (keys set directly on the entry win), then functionDefaultConfig
// is deep-merged under it (the entry wins, objects merge recursively, arrays
// and other values replace). functionDefaultConfig is validated on its own
// first, so an error in it names functionDefaultConfig.<field>; it may not
// set "name" or "dir". Values left unset stay zero in Function; WithDefaults
// fills them (see DefaultHandler, DefaultRuntime, DefaultTimeout,
// DefaultMemorySize). Unknown fields are kept in Function.Raw and
// Project.Raw and otherwise ignored.
//
// Type rules: numbers must be whole, and a string holding a whole number
// ("10") is accepted because the official CLI converts it; envVariables
// values may be strings, numbers or booleans (stringified); a string
// produced by a placeholder is accepted where a boolean is expected when its
// text parses as one ("{{env.DEBUG}}" with DEBUG=true). JSON null means "not
// set".
//
// # Placeholders
//
// Following the official CLI, a placeholder is replaced only when it is a
// whole JSON string value: "{{env.TOKEN}}" is rendered, "Bearer
// {{env.TOKEN}}" is kept as written. Variables come from .env < .env.local <
// .env.<mode> (in the config file's directory) < the process environment;
// ENV_ID and envId are forced to LoadOptions.EnvID when it is set, and
// otherwise default to ENV_ID, else to the config's literal envId. A
// rendered value whose text is a JSON object or array is replaced by that
// value.
//
// Placeholders resolve lazily: a missing variable or an unknown
// placeholder does not fail Load. The setting holding it is left unset and
// its *ConfigError (naming the file, the JSON path and the variable,
// wrapping ErrUnresolved) is returned by the readers of that setting:
// Project.Resolved, Function.Resolved and Project.Lookup. A secret missing
// from one function's envVariables stops deploying that function, not
// commands that only need the envId.
package project
