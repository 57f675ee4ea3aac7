package cloudapi

import (
	"context"
	"fmt"
)

// RunCommands runs database commands (tcb RunCommands).
func (c *Client) RunCommands(ctx context.Context, req *RunCommandsRequest) (*RunCommandsResponse, error) {
	var out RunCommandsResponse
	// Reads and writes travel through the same action; never retry blindly.
	no := false
	if err := c.Call(ctx, "tcb", "RunCommands", req, &out, CallOptions{Idempotent: &no}); err != nil {
		return nil, err
	}
	if len(out.Data) != len(req.MgoCommands) {
		return nil, &APIError{Service: "tcb", Action: "RunCommands", Code: "ClientError.ParseJsonError",
			Message: fmt.Sprintf("%d results for %d commands", len(out.Data), len(req.MgoCommands)), RequestId: out.RequestId}
	}
	return &out, nil
}

// CreateTable creates a collection (flexdb CreateTable).
func (c *Client) CreateTable(ctx context.Context, tag, name string) error {
	var out EmptyResponse
	return c.Call(ctx, "flexdb", "CreateTable", &TableRequest{Tag: tag, TableName: name}, &out)
}

// DeleteTable deletes a collection (flexdb DeleteTable).
func (c *Client) DeleteTable(ctx context.Context, tag, name string) error {
	var out EmptyResponse
	err := c.Call(ctx, "flexdb", "DeleteTable", &TableRequest{Tag: tag, TableName: name}, &out)
	if err != nil && IsCode(err, "ResourceNotFound") {
		return &NotFoundError{Kind: "collection", Name: name, Cause: err}
	}
	return err
}

// ListTables pages through collections (flexdb ListTables).
func (c *Client) ListTables(ctx context.Context, tag string, limit, offset int64) (*ListTablesResponse, error) {
	var out ListTablesResponse
	if err := c.Call(ctx, "flexdb", "ListTables", &ListTablesRequest{Tag: tag, MgoLimit: &limit, MgoOffset: &offset}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DescribeTable lists a collection's indexes (flexdb DescribeTable).
func (c *Client) DescribeTable(ctx context.Context, tag, name string) (*DescribeTableResponse, error) {
	var out DescribeTableResponse
	if err := c.Call(ctx, "flexdb", "DescribeTable", &TableRequest{Tag: tag, TableName: name}, &out); err != nil {
		if IsCode(err, "ResourceNotFound") {
			return nil, &NotFoundError{Kind: "collection", Name: name, Cause: err}
		}
		return nil, err
	}
	return &out, nil
}

// UpdateTable drops then creates indexes of a collection (flexdb
// UpdateTable; all or nothing).
func (c *Client) UpdateTable(ctx context.Context, req *UpdateTableRequest) error {
	var out EmptyResponse
	err := c.Call(ctx, "flexdb", "UpdateTable", req, &out)
	if err != nil && IsCode(err, "ResourceNotFound") && len(req.DropIndexes) == 0 {
		return &NotFoundError{Kind: "collection", Name: req.TableName, Cause: err}
	}
	return err
}
