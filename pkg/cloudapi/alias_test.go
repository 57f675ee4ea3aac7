package cloudapi

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidateAlias(t *testing.T) {
	// The shape CreateEnv accepts, as a pattern: a lowercase letter, then
	// a-z, 0-9 and '-', not ending with '-', at most 20 characters.
	re := regexp.MustCompile(`^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$`)
	for _, alias := range []string{
		"", "a", "ab", "a-", "a-b", "a1", "1a", "-a", "Ab", "a_b", "aé", "demo-2",
		strings.Repeat("a", 20), strings.Repeat("a", 21), strings.Repeat("a", 19) + "-",
	} {
		if got, want := ValidateAlias(alias) == nil, re.MatchString(alias); got != want {
			t.Errorf("ValidateAlias(%q) ok = %v, want %v (err %v)", alias, got, want, ValidateAlias(alias))
		}
	}
}
