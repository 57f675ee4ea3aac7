// Package config owns tcb's local state on disk: the settings file
// (config.json: default env, region, output format, token server per
// profile) and the credentials file (credentials.json: cloud API keys and
// WeChat app secrets per profile, mode 0600). It resolves which credentials
// a command uses (environment variables over the profile) and imports the
// official CLI's credential file.
//
// Every write is atomic (temp file in the same directory, fsync, rename) and
// serialised across processes with a lock file, so two tcb processes never
// lose each other's changes and a crash never leaves a half-written file.
package config
