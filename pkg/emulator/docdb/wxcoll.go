package docdb

import (
	"context"

	"github.com/tcb-go/tcb/pkg/emulator/wxhttp"
	"github.com/tcb-go/tcb/pkg/wechat"
)

// decodeCollection reads {env, collection_name} and checks both.
func (m *Module) decodeCollection(r *wxhttp.Request) (wechat.CollectionRequest, error) {
	var req wechat.CollectionRequest
	if err := r.Decode(&req); err != nil {
		return req, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return req, err
	}
	if req.CollectionName == "" {
		return req, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: collection_name")
	}
	return req, nil
}

func (m *Module) wxCollectionAdd(ctx context.Context, r *wxhttp.Request) (any, error) {
	req, err := m.decodeCollection(r)
	if err != nil {
		return nil, err
	}
	if err := m.createCollection(req.Env, req.CollectionName); err != nil {
		return nil, err
	}
	return wxhttp.OK, nil
}

func (m *Module) wxCollectionDelete(ctx context.Context, r *wxhttp.Request) (any, error) {
	req, err := m.decodeCollection(r)
	if err != nil {
		return nil, err
	}
	if err := m.dropCollection(req.Env, req.CollectionName); err != nil {
		return nil, err
	}
	return wxhttp.OK, nil
}

// wxCollectionGet pages through the collections in name order (limit 10 by
// default, at most 1000).
func (m *Module) wxCollectionGet(ctx context.Context, r *wxhttp.Request) (any, error) {
	var req wechat.CollectionGetRequest
	if err := r.Decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	if req.Limit < 0 || req.Offset < 0 {
		return nil, wxhttp.Errorf(wechat.CodeInvalidArgs, "invalid args: limit and offset must not be negative")
	}
	limit := req.Limit
	if limit == 0 {
		limit = 10
	}
	limit = min(limit, 1000)
	list, total, err := m.listCollections(req.Env, req.Offset, limit)
	if err != nil {
		return nil, err
	}
	out := wechat.CollectionGetResponse{Envelope: wxhttp.OK,
		Pager: wechat.Pager{Offset: req.Offset, Limit: limit, Total: total}, Collections: []wechat.CollectionInfo{}}
	for _, c := range list {
		out.Collections = append(out.Collections, wechat.CollectionInfo{Name: c.Name, Count: c.Count, Size: c.Size,
			IndexCount: c.IndexCount, IndexSize: c.IndexSize})
	}
	return out, nil
}

// wxUpdateIndex drops then creates indexes (all or nothing).
func (m *Module) wxUpdateIndex(ctx context.Context, r *wxhttp.Request) (any, error) {
	var req wechat.UpdateIndexRequest
	if err := r.Decode(&req); err != nil {
		return nil, err
	}
	if err := m.checkEnv(req.Env); err != nil {
		return nil, err
	}
	if req.CollectionName == "" {
		return nil, wxhttp.Errorf(wechat.CodeMissingParam, "missing required parameter: collection_name")
	}
	var create []indexSpec
	for _, ci := range req.CreateIndexes {
		s := indexSpec{Name: ci.Name, Unique: ci.Unique}
		for _, k := range ci.Keys {
			s.Keys = append(s.Keys, indexKey{Name: k.Name, Direction: k.Direction})
		}
		create = append(create, s)
	}
	var drop []string
	for _, d := range req.DropIndexes {
		drop = append(drop, d.Name)
	}
	if err := m.updateIndexes(req.Env, req.CollectionName, create, drop); err != nil {
		return nil, err
	}
	return wxhttp.OK, nil
}
