package cloudapi

import (
	"context"
)

// tcb SearchClsLog: the environment's logs in CLS (function invocations,
// database events, ...), the action `tcb logs search` and manager-node's
// log.searchClsLog call.

// SearchClsLogRequest is one page of a search. StartTime and EndTime are
// "YYYY-MM-DD HH:mm:ss" (China time); Limit is 1-100; Context is the
// cursor of the previous page.
type SearchClsLogRequest struct {
	EnvId       string `json:"EnvId"`
	StartTime   string `json:"StartTime"`
	EndTime     string `json:"EndTime"`
	QueryString string `json:"QueryString"`
	Limit       int64  `json:"Limit"`
	Context     string `json:"Context,omitempty"`
	Sort        string `json:"Sort,omitempty"`
	UseLucene   *bool  `json:"UseLucene,omitempty"`
	// TenantModel is what manager-node sends ("public").
	TenantModel string `json:"TenantModel,omitempty"`
}

// ClsLogObject is one log line; Content is a JSON object in a string.
type ClsLogObject struct {
	TopicId   string `json:"TopicId"`
	TopicName string `json:"TopicName"`
	Timestamp string `json:"Timestamp"`
	Content   string `json:"Content"`
	FileName  string `json:"FileName"`
	Source    string `json:"Source"`
}

// ClsLogResults is a page of results.
type ClsLogResults struct {
	Context         string         `json:"Context"`
	ListOver        bool           `json:"ListOver"`
	Results         []ClsLogObject `json:"Results"`
	AnalysisRecords []string       `json:"AnalysisRecords"`
}

// SearchClsLogResponse wraps the page.
type SearchClsLogResponse struct {
	LogResults ClsLogResults `json:"LogResults"`
	RequestId  string        `json:"RequestId"`
}

// SearchClsLog runs one page of a log search.
func (c *Client) SearchClsLog(ctx context.Context, req *SearchClsLogRequest) (*SearchClsLogResponse, error) {
	var out SearchClsLogResponse
	if err := c.mapNotFound(req.EnvId, c.Call(ctx, "tcb", "SearchClsLog", req, &out)); err != nil {
		return nil, err
	}
	return &out, nil
}
