package index

import (
	"testing"

	"github.com/tcb-go/tcb/internal/cmdtest"
	"github.com/tcb-go/tcb/pkg/database"
)

func TestNewCmdList(t *testing.T) {
	cmdtest.RunCases(t, "db index", NewCmdList, []cmdtest.Case[ListOptions]{
		{Name: "collection", Args: []string{"todos"}, Want: &ListOptions{Collection: "todos", Via: "auto"}},
		{Name: "ls", As: "ls", Args: []string{"todos", "--via", "api"}, Want: &ListOptions{Collection: "todos", Via: "api"}},
		{Name: "no collection", WantCode: 3, WantErr: "give the collection name"},
	})
}

func TestNewCmdCreate(t *testing.T) {
	key := func(field, dir string) database.IndexKey { return database.IndexKey{Field: field, Direction: dir} }
	cmdtest.RunCases(t, "db index", NewCmdCreate, []cmdtest.Case[CreateOptions]{
		{Name: "one key", Args: []string{"todos", "--key", "owner"}, Want: &CreateOptions{Collection: "todos", Keys: []string{"owner"}, Via: "auto",
			Index: database.Index{Name: "owner_1", Keys: []database.IndexKey{key("owner", "1")}}}},
		{Name: "compound", Args: []string{"todos", "--key", "owner", "--key", " due:-1"}, Want: &CreateOptions{Collection: "todos", Keys: []string{"owner", " due:-1"}, Via: "auto",
			Index: database.Index{Name: "owner_1_due_-1", Keys: []database.IndexKey{key("owner", "1"), key("due", "-1")}}}},
		{Name: "unique named", Args: []string{"users", "--key", "email:1", "--unique", "--name", "by_email", "--via", "wechat"},
			Want: &CreateOptions{Collection: "users", Keys: []string{"email:1"}, Name: "by_email", Unique: true, Via: "wechat",
				Index: database.Index{Name: "by_email", Unique: true, Keys: []database.IndexKey{key("email", "1")}}}},
		{Name: "geo", Args: []string{"places", "--key", "location:2dsphere"}, Want: &CreateOptions{Collection: "places", Keys: []string{"location:2dsphere"}, Via: "auto",
			Index: database.Index{Name: "location_2dsphere", Keys: []database.IndexKey{key("location", "2dsphere")}}}},
		{Name: "no key", Args: []string{"todos"}, WantCode: 3, WantErr: "--key is required (e.g. --key owner or --key due:-1)"},
		{Name: "bad direction", Args: []string{"todos", "--key", "due:desc"}, WantCode: 3, WantErr: `--key "due:desc": the direction must be 1, -1 or 2dsphere`},
		{Name: "empty field", Args: []string{"todos", "--key", ":1"}, WantCode: 3, WantErr: `--key ":1": not a field name`},
		{Name: "operator field", Args: []string{"todos", "--key", "$where"}, WantCode: 3, WantErr: "not a field name"},
		{Name: "field twice", Args: []string{"todos", "--key", "a", "--key", "a:-1"}, WantCode: 3, WantErr: "--key: a is given twice"},
		{Name: "the _id index's name", Args: []string{"todos", "--key", "a", "--name", "_id_"}, WantCode: 3, WantErr: "--name _id_ is the _id index's"},
		{Name: "no collection", Args: []string{"--key", "a"}, WantCode: 3, WantErr: "give the collection name"},
	})
}

func TestNewCmdDrop(t *testing.T) {
	cmdtest.RunCases(t, "db index", NewCmdDrop, []cmdtest.Case[DropOptions]{
		{Name: "yes", Args: []string{"todos", "owner_1", "--yes"}, Want: &DropOptions{Collection: "todos", Index: "owner_1", Via: "auto"}},
		{Name: "terminal asks", TTY: true, Args: []string{"todos", "owner_1", "--via", "api"}, Want: &DropOptions{Collection: "todos", Index: "owner_1", Via: "api"}},
		{Name: "the _id index", Args: []string{"todos", "_id_", "--yes"}, WantCode: 3, WantErr: "the _id index cannot be dropped"},
		{Name: "no yes without a terminal", Args: []string{"todos", "owner_1"}, WantCode: 3, WantErr: "db index drop: not running interactively, pass --yes"},
		{Name: "no index", Args: []string{"todos", "--yes"}, WantCode: 3, WantErr: "give the collection and the index name"},
	})
}
