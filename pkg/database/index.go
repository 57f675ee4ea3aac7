package database

import (
	"context"
	"errors"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// Index is an index of a collection.
type Index struct {
	Name   string     `json:"name"`
	Keys   []IndexKey `json:"keys"`
	Unique bool       `json:"unique"`
	// Size (bytes) and Ops (uses since the database started) are known
	// only when listed through the Tencent Cloud API.
	Size int64 `json:"size"`
	Ops  int64 `json:"ops"`
}

// IndexKey is one key: Direction "1", "-1" or "2dsphere".
type IndexKey struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// ErrIndexListUnsupported: the WeChat HTTP API has no way to list indexes.
var ErrIndexListUnsupported = errors.New("the WeChat HTTP API cannot list indexes; the Tencent Cloud API can (API keys, --via api)")

// Indexer manages indexes; both backends implement it.
type Indexer interface {
	ListIndexes(ctx context.Context, collection string) ([]Index, error)
	CreateIndex(ctx context.Context, collection string, ix Index) error
	DropIndex(ctx context.Context, collection, name string) error
}

// ListIndexes is flexdb DescribeTable.
func (a *API) ListIndexes(ctx context.Context, collection string) ([]Index, error) {
	tag, err := a.instance(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := a.Client.DescribeTable(ctx, tag, collection)
	if err != nil {
		return nil, collectionErr(err)
	}
	out := make([]Index, 0, len(resp.Indexes))
	for _, in := range resp.Indexes {
		ix := Index{Name: in.Name, Unique: in.Unique, Size: in.Size, Ops: in.Accesses.Ops}
		for _, k := range in.Keys {
			ix.Keys = append(ix.Keys, IndexKey{Field: k.Name, Direction: k.Direction})
		}
		out = append(out, ix)
	}
	return out, nil
}

// CreateIndex is flexdb UpdateTable with one index to create.
func (a *API) CreateIndex(ctx context.Context, collection string, ix Index) error {
	tag, err := a.instance(ctx)
	if err != nil {
		return err
	}
	spec := cloudapi.CreateIndexSpec{IndexName: ix.Name, MgoKeySchema: cloudapi.KeySchema{MgoIsUnique: ix.Unique}}
	for _, k := range ix.Keys {
		spec.MgoKeySchema.MgoIndexKeys = append(spec.MgoKeySchema.MgoIndexKeys, cloudapi.IndexKey{Name: k.Field, Direction: k.Direction})
	}
	return collectionErr(a.Client.UpdateTable(ctx, &cloudapi.UpdateTableRequest{Tag: tag, TableName: collection, CreateIndexes: []cloudapi.CreateIndexSpec{spec}}))
}

// DropIndex is flexdb UpdateTable with one index to drop.
func (a *API) DropIndex(ctx context.Context, collection, name string) error {
	tag, err := a.instance(ctx)
	if err != nil {
		return err
	}
	return a.Client.UpdateTable(ctx, &cloudapi.UpdateTableRequest{Tag: tag, TableName: collection, DropIndexes: []cloudapi.DropIndexSpec{{IndexName: name}}})
}

// collectionErr turns the client's missing-collection error into
// ErrCollectionMissing.
func collectionErr(err error) error {
	var nf *cloudapi.NotFoundError
	if errors.As(err, &nf) && nf.Kind == "collection" {
		return errors.Join(ErrCollectionMissing, err)
	}
	return err
}

// ListIndexes cannot be done through the WeChat HTTP API.
func (w *WeChat) ListIndexes(ctx context.Context, collection string) ([]Index, error) {
	return nil, ErrIndexListUnsupported
}

// CreateIndex is updateindex with one index to create.
func (w *WeChat) CreateIndex(ctx context.Context, collection string, ix Index) error {
	ci := wechat.CreateIndex{Name: ix.Name, Unique: ix.Unique}
	for _, k := range ix.Keys {
		ci.Keys = append(ci.Keys, wechat.IndexKey{Name: k.Field, Direction: k.Direction})
	}
	return w.updateIndex(ctx, wechat.UpdateIndexRequest{Env: w.Env, CollectionName: collection, CreateIndexes: []wechat.CreateIndex{ci}})
}

// DropIndex is updateindex with one index to drop.
func (w *WeChat) DropIndex(ctx context.Context, collection, name string) error {
	return w.updateIndex(ctx, wechat.UpdateIndexRequest{Env: w.Env, CollectionName: collection, DropIndexes: []wechat.DropIndex{{Name: name}}})
}

func (w *WeChat) updateIndex(ctx context.Context, req wechat.UpdateIndexRequest) error {
	return w.call(ctx, func(ctx context.Context, tok string) error {
		return w.Client.UpdateIndex(ctx, tok, req)
	})
}
