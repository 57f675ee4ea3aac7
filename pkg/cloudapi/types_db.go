package cloudapi

// Database wire types: tcb RunCommands (document commands) and flexdb
// 2018-11-27 (collections).
//
// RunCommands carries each command as a JSON string. tcb uses these command
// shapes (MongoDB's own field names), and the emulator implements exactly
// them:
//
//	QUERY   {"filter":F,"projection":P,"sort":S,"skip":n,"limit":n}
//	        -> Data: one Extended JSON document per element
//	INSERT  {"documents":[...]}          -> Data: [{"insertedIds":[...]}]
//	UPDATE  {"filter":F,"update":U,"multi":b,"upsert":b,"replace":b}
//	        -> Data: [{"matched":n,"modified":n,"upsertedId":id}]
//	DELETE  {"filter":F,"multi":b}       -> Data: [{"deleted":n}]
//	COMMAND {"count":C,"query":F}        -> Data: [{"n":n}]
//	COMMAND {"aggregate":C,"pipeline":[...]} -> Data: one document per element

// MgoCommand is one database command of RunCommands.
type MgoCommand struct {
	TableName   string `json:"TableName"`
	CommandType string `json:"CommandType"`
	Command     string `json:"Command"`
}

// RunCommandsRequest runs database commands in an environment.
type RunCommandsRequest struct {
	EnvId          string       `json:"EnvId"`
	Tag            string       `json:"Tag,omitempty"`
	MgoCommands    []MgoCommand `json:"MgoCommands"`
	InTransaction  *bool        `json:"InTransaction,omitempty"`
	MongoConnector any          `json:"MongoConnector,omitempty"`
}

// RunCommandsResponse carries one result array per command, each element a
// JSON string.
type RunCommandsResponse struct {
	Data      [][]string `json:"Data"`
	RequestId string     `json:"RequestId,omitempty"`
}

// TableRequest names a collection of a database instance (flexdb).
type TableRequest struct {
	Tag       string `json:"Tag"`
	TableName string `json:"TableName"`
}

// ListTablesRequest pages through collections (flexdb).
type ListTablesRequest struct {
	Tag       string `json:"Tag"`
	MgoLimit  *int64 `json:"MgoLimit,omitempty"`
	MgoOffset *int64 `json:"MgoOffset,omitempty"`
}

// TableInfo describes one collection.
type TableInfo struct {
	TableName  string `json:"TableName"`
	Count      int64  `json:"Count"`
	Size       int64  `json:"Size"`
	IndexCount int64  `json:"IndexCount"`
	IndexSize  int64  `json:"IndexSize"`
}

// Pager is flexdb's paging information.
type Pager struct {
	Offset int64 `json:"Offset"`
	Limit  int64 `json:"Limit"`
	Total  int64 `json:"Total"`
}

// ListTablesResponse is a page of collections.
type ListTablesResponse struct {
	Tables    []TableInfo `json:"Tables"`
	Pager     Pager       `json:"Pager"`
	RequestId string      `json:"RequestId,omitempty"`
}

// IndexKey is one key of an index (flexdb): Direction "1", "-1" or
// "2dsphere".
type IndexKey struct {
	Name      string `json:"Name"`
	Direction string `json:"Direction"`
}

// KeySchema is an index's keys and uniqueness (flexdb).
type KeySchema struct {
	MgoIndexKeys []IndexKey `json:"MgoIndexKeys"`
	MgoIsUnique  bool       `json:"MgoIsUnique"`
}

// CreateIndexSpec is an index to create (flexdb UpdateTable).
type CreateIndexSpec struct {
	IndexName    string    `json:"IndexName"`
	MgoKeySchema KeySchema `json:"MgoKeySchema"`
}

// DropIndexSpec names an index to drop (flexdb UpdateTable).
type DropIndexSpec struct {
	IndexName string `json:"IndexName"`
}

// UpdateTableRequest drops then creates indexes (flexdb UpdateTable).
type UpdateTableRequest struct {
	Tag           string            `json:"Tag"`
	TableName     string            `json:"TableName"`
	CreateIndexes []CreateIndexSpec `json:"CreateIndexes,omitempty"`
	DropIndexes   []DropIndexSpec   `json:"DropIndexes,omitempty"`
}

// IndexAccesses counts an index's uses since Since.
type IndexAccesses struct {
	Ops   int64  `json:"Ops"`
	Since string `json:"Since"`
}

// IndexInfo is an index as DescribeTable shows it.
type IndexInfo struct {
	Name     string        `json:"Name"`
	Size     int64         `json:"Size"`
	Keys     []IndexKey    `json:"Keys"`
	Accesses IndexAccesses `json:"Accesses"`
	Unique   bool          `json:"Unique"`
}

// DescribeTableResponse lists a collection's indexes (flexdb DescribeTable).
type DescribeTableResponse struct {
	Indexes   []IndexInfo `json:"Indexes"`
	IndexNum  int64       `json:"IndexNum"`
	RequestId string      `json:"RequestId,omitempty"`
}
