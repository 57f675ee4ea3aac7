package rename

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdRename(t *testing.T) {
	cmdtest.RunCases(t, "env", NewCmdRename, []cmdtest.Case[Options]{
		{Name: "alias", Args: []string{"shop-prod", "-e", "shop-a1b2c3"}, Want: &Options{Alias: "shop-prod"}},
		{Name: "upper case allowed", Args: []string{"shopProd"}, Want: &Options{Alias: "shopProd"}},
		{Name: "no alias", WantCode: 3, WantErr: "give the new alias: tcb env rename NEW_ALIAS"},
		{Name: "too long", Args: []string{"abcdefghijklmnopqrstu"}, WantCode: 3, WantErr: "must have 1 to 20 characters"},
		{Name: "starts with a digit", Args: []string{"1shop"}, WantCode: 3, WantErr: "must start with a lowercase letter"},
		{Name: "underscore", Args: []string{"shop_prod"}, WantCode: 3, WantErr: "may contain only letters, digits and '-'"},
		{Name: "two aliases", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
