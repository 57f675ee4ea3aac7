package cloudapi

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// PublishVersion publishes $LATEST as a new version.
func (c *Client) PublishVersion(ctx context.Context, namespace, name, description string) (*PublishVersionResponse, error) {
	var out PublishVersionResponse
	err := c.Call(ctx, "scf", "PublishVersion", &PublishVersionRequest{FunctionName: name, Namespace: namespace, Description: description}, &out)
	if err != nil {
		return nil, c.functionNotFound(name, err)
	}
	return &out, nil
}

// ListVersionByFunction reads one page of a function's versions.
func (c *Client) ListVersionByFunction(ctx context.Context, req *ListVersionByFunctionRequest) (*ListVersionByFunctionResponse, error) {
	var out ListVersionByFunctionResponse
	if err := c.Call(ctx, "scf", "ListVersionByFunction", req, &out); err != nil {
		return nil, c.functionNotFound(req.FunctionName, err)
	}
	return &out, nil
}

// GetAlias reads an alias ("$DEFAULT" is every function's own).
func (c *Client) GetAlias(ctx context.Context, namespace, function, alias string) (*GetAliasResponse, error) {
	var out GetAliasResponse
	err := c.Call(ctx, "scf", "GetAlias", &GetAliasRequest{FunctionName: function, Name: alias, Namespace: namespace}, &out)
	if err != nil && IsCode(err, "ResourceNotFound.Alias") {
		return nil, &NotFoundError{Kind: "alias", Name: alias, Cause: err}
	}
	if err != nil {
		return nil, c.functionNotFound(function, err)
	}
	return &out, nil
}

// UpdateAlias changes an alias.
func (c *Client) UpdateAlias(ctx context.Context, req *UpdateAliasRequest) error {
	var out EmptyResponse
	err := c.Call(ctx, "scf", "UpdateAlias", req, &out)
	if err != nil && IsCode(err, "ResourceNotFound.Alias") {
		return &NotFoundError{Kind: "alias", Name: req.Name, Cause: err}
	}
	return c.functionNotFound(req.FunctionName, err)
}

func layerNotFound(name string, version int64, err error) error {
	switch {
	case err != nil && IsCode(err, "ResourceNotFound.LayerVersion"):
		return &NotFoundError{Kind: "layer version", Name: name + " version " + strconv.FormatInt(version, 10), Cause: err}
	case err != nil && IsCode(err, "ResourceNotFound.Layer"):
		return &NotFoundError{Kind: "layer", Name: name, Cause: err}
	}
	return err
}

// PublishLayerVersion publishes a new version of a layer (large zips need
// a longer exchange).
func (c *Client) PublishLayerVersion(ctx context.Context, req *PublishLayerVersionRequest) (int64, error) {
	var out PublishLayerVersionResponse
	if err := c.Call(ctx, "scf", "PublishLayerVersion", req, &out, CallOptions{Timeout: 2 * time.Minute}); err != nil {
		return 0, err
	}
	return out.LayerVersion, nil
}

// ListLayers returns every layer matching req (each with its newest
// version), walking all pages.
func (c *Client) ListLayers(ctx context.Context, req ListLayersRequest) ([]LayerVersionInfo, error) {
	var all []LayerVersionInfo
	limit := int64(100)
	for offset := int64(0); ; offset += limit {
		off := offset
		req.Offset, req.Limit = &off, &limit
		var out ListLayersResponse
		if err := c.Call(ctx, "scf", "ListLayers", &req, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Layers...)
		if len(out.Layers) == 0 || int64(len(all)) >= out.TotalCount {
			return all, nil
		}
	}
}

// ListLayerVersions lists a layer's versions, newest first.
func (c *Client) ListLayerVersions(ctx context.Context, name string) ([]LayerVersionInfo, error) {
	var out ListLayerVersionsResponse
	if err := c.Call(ctx, "scf", "ListLayerVersions", &ListLayerVersionsRequest{LayerName: name}, &out); err != nil {
		return nil, layerNotFound(name, 0, err)
	}
	return out.LayerVersions, nil
}

// GetLayerVersion describes a layer version (Location: its zip's URL).
func (c *Client) GetLayerVersion(ctx context.Context, name string, version int64) (*GetLayerVersionResponse, error) {
	var out GetLayerVersionResponse
	if err := c.Call(ctx, "scf", "GetLayerVersion", &LayerVersionRequest{LayerName: name, LayerVersion: version}, &out); err != nil {
		return nil, layerNotFound(name, version, err)
	}
	return &out, nil
}

// DeleteLayerVersion deletes a layer version (functions bound to it keep
// it).
func (c *Client) DeleteLayerVersion(ctx context.Context, name string, version int64) error {
	var out EmptyResponse
	return layerNotFound(name, version, c.Call(ctx, "scf", "DeleteLayerVersion", &LayerVersionRequest{LayerName: name, LayerVersion: version}, &out))
}

// setLayersRequest is UpdateFunctionConfiguration with only Layers, which
// is always sent: an empty list unbinds every layer.
type setLayersRequest struct {
	FunctionName string               `json:"FunctionName"`
	Namespace    string               `json:"Namespace,omitempty"`
	Layers       []LayerVersionSimple `json:"Layers"`
}

// SetFunctionLayers binds exactly layers, in this order, to a function.
func (c *Client) SetFunctionLayers(ctx context.Context, namespace, name string, layers []LayerVersionSimple) error {
	if layers == nil {
		layers = []LayerVersionSimple{}
	}
	var out EmptyResponse
	err := c.Call(ctx, "scf", "UpdateFunctionConfiguration", &setLayersRequest{FunctionName: name, Namespace: namespace, Layers: layers}, &out)
	if err != nil && (IsCode(err, "ResourceNotFound.Layer") || IsCode(err, "ResourceNotFound.LayerVersion")) {
		var names []string
		for _, l := range layers {
			names = append(names, l.LayerName+":"+strconv.FormatInt(l.LayerVersion, 10))
		}
		return &NotFoundError{Kind: "layer version (one of)", Name: strings.Join(names, ", "), Cause: err}
	}
	return c.functionNotFound(name, err)
}
