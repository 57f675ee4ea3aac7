package export

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
)

func TestNewCmdExport(t *testing.T) {
	cmdtest.RunCases(t, "db", NewCmdExport, []cmdtest.Case[Options]{
		{Name: "stdout", Args: []string{"todos"}, Want: &Options{Collection: "todos", PageSize: 1000, Via: "auto"}},
		{Name: "file and page size", Args: []string{"todos", "-o", "todos.jsonl", "--page-size", "1", "--via", "wechat"},
			Want: &Options{Collection: "todos", Out: "todos.jsonl", PageSize: 1, Via: "wechat"}},
		{Name: "page size zero", Args: []string{"todos", "--page-size", "0"}, WantCode: 3, WantErr: "--page-size must be between 1 and 1000"},
		{Name: "page size too big", Args: []string{"todos", "--page-size", "1001"}, WantCode: 3, WantErr: "--page-size must be between 1 and 1000"},
		{Name: "page size not a number", Args: []string{"todos", "--page-size", "many"}, WantCode: 3, WantErr: `invalid argument "many" for "--page-size"`},
		{Name: "no collection", WantCode: 3, WantErr: "give the collection name"},
		{Name: "two collections", Args: []string{"a", "b"}, WantCode: 3, WantErr: "too many arguments"},
	})
}
