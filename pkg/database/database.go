// Package database is tcb's document database client. A Backend runs
// mini-program database statements (parsed into dbquery.Query) over one of
// two transports — the WeChat CloudBase HTTP API (/tcb/database*, with an
// access_token) or the Tencent Cloud API (tcb RunCommands + flexdb) — and
// decodes the answers into documents. Export and Import stream whole
// collections on top of any Backend. The package never prints.
package database

import (
	"context"
	"fmt"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// UpdateResult is the outcome of update/set.
type UpdateResult struct {
	Matched    int64  `json:"matched"`
	Modified   int64  `json:"modified"`
	UpsertedID string `json:"upserted_id,omitempty"`
}

// Pager is the paging information of a find.
type Pager struct {
	Offset int64 `json:"Offset"`
	Limit  int64 `json:"Limit"`
	Total  int64 `json:"Total"`
}

// Collection describes one collection.
type Collection struct {
	Name       string `json:"name"`
	Count      int64  `json:"count"`
	Size       int64  `json:"size"`
	IndexCount int64  `json:"index_count"`
	IndexSize  int64  `json:"index_size"`
}

// Backend executes statements in one environment.
type Backend interface {
	// Name is "wechat" or "api".
	Name() string
	Find(ctx context.Context, q *dbquery.Query) ([]*dbquery.Document, *Pager, error)
	Count(ctx context.Context, q *dbquery.Query) (int64, error)
	Insert(ctx context.Context, q *dbquery.Query) ([]string, error)
	Update(ctx context.Context, q *dbquery.Query) (*UpdateResult, error)
	Remove(ctx context.Context, q *dbquery.Query) (int64, error)
	Aggregate(ctx context.Context, q *dbquery.Query) ([]*dbquery.Document, error)
	ListCollections(ctx context.Context, limit, offset int64) ([]Collection, int64, error)
	CreateCollection(ctx context.Context, name string) error
	DeleteCollection(ctx context.Context, name string) error
}

// Outcome is what Run returns for any statement.
type Outcome struct {
	Action dbquery.Action
	Docs   []*dbquery.Document
	Pager  *Pager
	Count  int64
	IDs    []string
	Update *UpdateResult
	// Deleted is the number of removed documents.
	Deleted int64
}

// Run executes q with the backend method its action calls for.
func Run(ctx context.Context, b Backend, q *dbquery.Query) (*Outcome, error) {
	out := &Outcome{Action: q.Action}
	var err error
	switch q.Action {
	case dbquery.ActionFind:
		out.Docs, out.Pager, err = b.Find(ctx, q)
	case dbquery.ActionCount:
		out.Count, err = b.Count(ctx, q)
	case dbquery.ActionInsert:
		out.IDs, err = b.Insert(ctx, q)
	case dbquery.ActionUpdate, dbquery.ActionSet:
		out.Update, err = b.Update(ctx, q)
	case dbquery.ActionRemove:
		out.Deleted, err = b.Remove(ctx, q)
	case dbquery.ActionAggregate:
		out.Docs, err = b.Aggregate(ctx, q)
	default:
		err = fmt.Errorf("unsupported statement action %q", q.Action)
	}
	return out, err
}

// decodeDocs decodes JSON document strings.
func decodeDocs(data []string) ([]*dbquery.Document, error) {
	docs := make([]*dbquery.Document, 0, len(data))
	for i, s := range data {
		d, err := dbquery.DecodeDocument([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("result document %d is not valid JSON: %w", i, err)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// IDString renders an _id for output.
func IDString(v dbquery.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, err := dbquery.EncodeValue(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ErrCollectionMissing is returned by backends when the collection does not
// exist (the cloud's DATABASE_COLLECTION_NOT_EXIST / -502005).
var ErrCollectionMissing = errkind.New(errkind.NotFound, "collection does not exist")
