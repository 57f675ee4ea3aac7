package project

import "strings"

// Runtimes lists the runtime names accepted in a function's "runtime", as
// the cloud spells them: current CloudBase runtimes first, then older ones
// still found in existing projects.
var Runtimes = []string{
	"Nodejs24.11", "Nodejs22.21", "Nodejs20.19", "Nodejs18.15", "Nodejs16.13",
	"Nodejs14.18", "Nodejs12.16", "Nodejs10.15", "Nodejs8.9",
	"Python3.11", "Python3.10", "Python3.9", "Python3.7", "Python3.6", "Python2.7",
	"Php8.0", "Php7.4", "Php7.2", "Php7", "Php5",
	"Go1",
	"Java11", "Java8",
	"CustomRuntime",
}

// NormalizeRuntime returns the canonical spelling of a known runtime,
// matching case-insensitively ("nodejs18.15" -> "Nodejs18.15").
func NormalizeRuntime(s string) (string, bool) {
	for _, r := range Runtimes {
		if strings.EqualFold(r, strings.TrimSpace(s)) {
			return r, true
		}
	}
	return "", false
}

// IsNodeRuntime reports whether r is a Node.js runtime.
func IsNodeRuntime(r string) bool {
	return strings.HasPrefix(strings.ToLower(r), "nodejs")
}
