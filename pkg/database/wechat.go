package database

import (
	"context"
	"fmt"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// WeChat runs statements through the WeChat CloudBase HTTP API. Stale
// access_tokens (40001/40014/42001) are refreshed through Tokens with
// compare-and-refresh and the call is retried once.
type WeChat struct {
	Client *wechat.Client
	Tokens wechat.TokenSource
	Env    string
}

// Name is "wechat".
func (w *WeChat) Name() string { return "wechat" }

func (w *WeChat) call(ctx context.Context, fn func(ctx context.Context, token string) error) error {
	err := wechat.WithStaleTokenRetry(ctx, w.Tokens, fn)
	if code, ok := wechat.ErrCode(err); ok && code == wechat.CodeCollectionMissing {
		return fmt.Errorf("%w (%v)", ErrCollectionMissing, err)
	}
	return err
}

func (w *WeChat) req(q *dbquery.Query) wechat.QueryRequest {
	return wechat.QueryRequest{Env: w.Env, Query: q.Statement()}
}

// Find runs a get().
func (w *WeChat) Find(ctx context.Context, q *dbquery.Query) ([]*dbquery.Document, *Pager, error) {
	var resp *wechat.DatabaseQueryResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.DatabaseQuery(ctx, tok, w.req(q))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	docs, err := decodeDocs(resp.Data)
	if err != nil {
		return nil, nil, err
	}
	return docs, &Pager{Offset: resp.Pager.Offset, Limit: resp.Pager.Limit, Total: resp.Pager.Total}, nil
}

// Count runs a count().
func (w *WeChat) Count(ctx context.Context, q *dbquery.Query) (int64, error) {
	var resp *wechat.DatabaseCountResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.DatabaseCount(ctx, tok, w.req(q))
		return err
	})
	if err != nil {
		return 0, err
	}
	return resp.Count, nil
}

// Insert runs an add().
func (w *WeChat) Insert(ctx context.Context, q *dbquery.Query) ([]string, error) {
	var resp *wechat.DatabaseAddResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.DatabaseAdd(ctx, tok, w.req(q))
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp.IDList, nil
}

// Update runs update() or set().
func (w *WeChat) Update(ctx context.Context, q *dbquery.Query) (*UpdateResult, error) {
	var resp *wechat.DatabaseUpdateResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.DatabaseUpdate(ctx, tok, w.req(q))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &UpdateResult{Matched: resp.Matched, Modified: resp.Modified, UpsertedID: resp.ID}, nil
}

// Remove runs remove().
func (w *WeChat) Remove(ctx context.Context, q *dbquery.Query) (int64, error) {
	var resp *wechat.DatabaseDeleteResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.DatabaseDelete(ctx, tok, w.req(q))
		return err
	})
	if err != nil {
		return 0, err
	}
	return resp.Deleted, nil
}

// Aggregate runs an aggregate()...end().
func (w *WeChat) Aggregate(ctx context.Context, q *dbquery.Query) ([]*dbquery.Document, error) {
	var resp *wechat.DatabaseAggregateResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.DatabaseAggregate(ctx, tok, w.req(q))
		return err
	})
	if err != nil {
		return nil, err
	}
	return decodeDocs(resp.Data)
}

// ListCollections pages through collections.
func (w *WeChat) ListCollections(ctx context.Context, limit, offset int64) ([]Collection, int64, error) {
	var resp *wechat.CollectionGetResponse
	err := w.call(ctx, func(ctx context.Context, tok string) (err error) {
		resp, err = w.Client.CollectionGet(ctx, tok, wechat.CollectionGetRequest{Env: w.Env, Limit: limit, Offset: offset})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]Collection, 0, len(resp.Collections))
	for _, c := range resp.Collections {
		out = append(out, Collection{Name: c.Name, Count: c.Count, Size: c.Size, IndexCount: c.IndexCount, IndexSize: c.IndexSize})
	}
	return out, resp.Pager.Total, nil
}

// CreateCollection creates a collection.
func (w *WeChat) CreateCollection(ctx context.Context, name string) error {
	return w.call(ctx, func(ctx context.Context, tok string) error {
		return w.Client.CollectionAdd(ctx, tok, wechat.CollectionRequest{Env: w.Env, CollectionName: name})
	})
}

// DeleteCollection deletes a collection.
func (w *WeChat) DeleteCollection(ctx context.Context, name string) error {
	return w.call(ctx, func(ctx context.Context, tok string) error {
		return w.Client.CollectionDelete(ctx, tok, wechat.CollectionRequest{Env: w.Env, CollectionName: name})
	})
}
