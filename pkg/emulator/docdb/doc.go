// Package docdb is the emulator's document database: an emulator.Module
// named "database" that stores CloudBase documents per environment and
// collection, indexes them, and serves them through the WeChat CloudBase
// HTTP API (/tcb/database*, updateindex, databasemigrate*; the checks all
// /tcb/* paths share are pkg/emulator/wxhttp's), tcb RunCommands, the flexdb
// collection actions and
// the server SDKs' database.* actions on /admin (package sdkapi).
// Statements are parsed and evaluated by pkg/dbquery; this package adds
// storage, indexes, the wire protocols and the error codes.
//
// # Construction
//
//	db := docdb.New(docdb.Options{Tokens: tokenChecker})
//	e, _ := emulator.New(emulator.Options{...}, db, ...)
//
// Tokens validates access_tokens (nil rejects every token with 40014). The
// other options bound the work of a request (see Options).
//
// # Storage
//
// Documents live in the host's bbolt file under docdb/<env>/collections/
// <name>/docs, keyed by an 8-byte sequence number (their natural, insertion
// order) with relaxed Extended JSON values; the collection's meta (creation
// time, index specs) sits beside them; migration jobs under docdb/<env>/
// jobs. Every write is one bbolt transaction committed before the answer.
// A collection is loaded (decoded on every CPU, indexed) on first use and
// then served from memory (about 1.3 s and 95 MB for 100,000 small
// documents); documents are immutable once stored in memory (updates swap
// the pointer), so answers are encoded after the lock is released.
//
// # Locks and cancellation
//
// Each collection has its own lock (locks.go): reads of it share the
// lock, writes (and creating, dropping or re-indexing it) take it
// exclusively, so a long update of one collection holds up only that
// collection; a count or a query on another one goes on (tested with the
// update held mid-way). A catalog lock is shared by every operation and
// taken exclusively only by Reset and environment destruction. Listings
// and State read statistics each loaded collection publishes after every
// change, not its lock. An aggregate with $lookup and a transaction's
// commit lock their collections in name order.
//
// Writes honour cancellation rather than being made idempotent: a write
// whose request context ends (the client closed the connection or timed
// out, or RequestTimeout passed) checks it between documents while
// matching and applying (an update checks before every document), while
// encoding and, last, inside the store transaction after everything is
// written and right before it commits; at any of these points it stops,
// the store transaction rolls back and memory is untouched, so nothing of
// it is applied and a retry by the CLI cannot apply it twice. The one
// window left is the commit itself (the fsync): a caller that goes during
// it misses an answer for a write that did happen.
//
// # Indexes
//
// Every collection has the unique _id index ("_id_"); updateindex and flexdb
// UpdateTable add more: single or compound, ascending or descending (the
// direction is recorded but keys are kept in one order), unique or not,
// and "2dsphere" on a single field (compound and unique 2dsphere indexes
// are UnsupportedOperation). An index is an ordered list of
// sorted chunks of (key tuple, record) entries; array fields are indexed
// multikey (pkg/dbquery.IndexKeys) and a missing field indexes as null, as
// MongoDB does (so a unique index admits one document without the field;
// two array paths in one compound index are refused, "cannot index parallel
// arrays"). A find, count, update, remove or leading aggregate $match
// takes the constraints of its filter (dbquery.Filter.Constraints): for each
// index whose leading path is constrained it counts the entries in range
// and scans the narrowest, then runs Filter.Match on the candidates, so the
// answer is the same as a full scan's. A 2dsphere index (geo.go) keys a
// document by grid cells covering the bounding rects of the GeoJSON
// objects or legacy coordinate pairs it holds (sparse: no geometry, no
// cell); writing or indexing a document whose field is anything else fails
// as MongoDB does (-502001 "Can't extract geo keys: <doc>  <reason>"), and
// $nearSphere (with $maxDistance), $geoWithin and $geoIntersects select
// candidates through it, again the same answer as a scan (tested). A
// $nearSphere find needs a 2dsphere index on its path (-501007 "unable to
// find index for $geoNear query") and returns matches nearest first unless
// ordered; a leading aggregate $geoNear takes key from the only 2dsphere
// index (-501007 when there is none or several); see geo.go for the calls
// find and aggregate make. orderBy("_id") reads the _id index in
// order (with no filter the window is found by position, which keeps
// export paging linear). Unique indexes are checked before anything is
// written: a batch add, a multi-document update or an import batch with one
// duplicate writes nothing.
//
// # Statements
//
// The /tcb/* statement endpoints parse their query with a hand-written fast
// path for the common shapes (doc(id).get(), flat where() with literal
// values, orderBy/skip/limit/field; tested to build exactly the Query
// dbquery.Parse builds), else from an LRU cache of parsed statements (512 by
// text; statements whose meaning depends on the clock at parse time, add()
// statements and statements over 16 KiB are not cached), else in dbquery's
// goja sandbox with limits raised for large add() batches (1 MiB, a time
// limit growing with the size).
//
// # WeChat endpoints and error codes
//
// Every endpoint answers HTTP 200 with {"errcode","errmsg"} (errmsg ending
// in " rid: <id>" on errors) and checks, in order:
//
//	43002  not POST
//	(faults injected through /_emulator/faults for the path)
//	41001  no access_token;  40001 / 42001 / 40014 as the TokenChecker says
//	44002  empty body;       40097 body over MaxBodyBytes
//	47001  body not the JSON object expected (or a field of the wrong type)
//	40101  a required parameter missing (env, query, collection_name, ...)
//	-501000 unknown env ("[100003] Param Invalid: env check invalid");
//	       -501001 while it is still initializing
//
// then, per endpoint:
//
//	-501007 "invalid parameters. ..."  the statement does not parse, or the
//	        filter/projection/pipeline uses an unsupported operator, or an
//	        update writes _id (the cloud's "不能更新_id的值"), or an index
//	        spec is invalid ("[UnsupportedOperation]" for compound or
//	        unique 2dsphere), or a geo query lacks its 2dsphere index
//	40097   the statement's action is not the endpoint's (a .get() sent to
//	        databaseadd), bad file_type/conflict_mode/paging arguments
//	-502005 "database collection not exists. [ResourceNotFound] Db or Table
//	        not exist: <name>" for every statement on a missing collection
//	        (add does NOT create the collection, as in the cloud), and for
//	        collectiondelete
//	-501001 "resource system error. [ResourceInUse] Table exist" for
//	        databasecollectionadd of an existing collection; unknown job ids
//	-502001 "database request fail. [FailedOperation.<Op>] ..." for errors
//	        while writing: "E11000 duplicate key error collection: <db>.<coll>
//	        index: <name> dup key: { <field>: <value> }", "Can't extract
//	        geo keys" (2dsphere), update type errors,
//	        documents over 16 MB, results over MaxResultBytes, the request
//	        deadline (RequestTimeout, 10 s)
//	-1      an emulator failure (store I/O)
//
// databasequery applies the HTTP API's default limit of 10 and clamps
// larger limits to MaxLimit (1000); pager.Limit shows the limit applied and
// pager.Total counts every match. Documents without _id get a 32-hex-digit
// random id; a given _id (string, number, ...) is kept.
//
// # Migration jobs
//
// The emulator has no cloud storage. databasemigrateimport reads file_path
// relative to <data dir>/imports/ (40097 if it escapes that directory or
// does not exist): JSON (one object per line, or an array) or CSV (a header
// row; values are strings, empty cells left out); conflict_mode 1 inserts
// (duplicates count as record_fail), 2 replaces the document with the same
// _id; stop_on_error stops at the first failure. The file is read whole
// before the first write (dbquery.DocReader, as `tcb db import` reads it):
// a malformed one (a truncated array, data after it, a line that is not
// one object, a broken CSV row) fails the job with nothing written, and
// err_msg names the line or byte offset. databasemigrateexport runs
// its .get() statement (all documents unless it has .limit()) and writes JSON
// Lines or CSV under <data dir>/database/exports/<env>/; file_url downloads
// it from the emulator. Jobs run in the background ("waiting", then
// "success" or "fail"); a job interrupted by a restart reports "fail".
//
// # Tencent Cloud API
//
// tcb RunCommands runs MgoCommands in order with the command shapes of
// pkg/cloudapi/types_db.go (QUERY, INSERT, UPDATE, DELETE, COMMAND count
// and aggregate) and answers one array of JSON strings per command. An
// unknown env is ResourceNotFound, a Tag that is not the env's database
// instance InvalidParameter (an empty Tag means the env's), a missing
// collection ResourceNotFound, a malformed command or statement
// InvalidParameter, a write error (E11000, update type errors)
// FailedOperation. The first failing command fails the call and the
// commands before it stay applied: InTransaction=true and MongoConnector are
// UnsupportedOperation. QUERY without limit returns at most MaxLimit
// documents.
//
// flexdb (2018-11-27) CreateTable (ResourceInUse when it exists),
// DeleteTable (ResourceNotFound when missing), ListTables (MgoLimit default
// 100, at most 1000; Tables is null when the page is empty), DescribeTable
// (Indexes with Keys, Unique, Size estimated at 48 bytes per entry and
// Accesses.Ops counting index uses since the collection was loaded;
// IndexNum) and UpdateTable (DropIndexes then CreateIndexes, all or
// nothing). Tag is the env's database instance id (ResourceNotFound when no
// env has it).
//
// # The server SDKs (/admin)
//
// wx-server-sdk and @cloudbase/node-sdk send database.insertDocument,
// getDocument (queryType WHERE or DOC), calculateDocument,
// modifyDocument (multi, merge=false for set(), upsert), removeDocument,
// aggregateDocuments, addCollection and modifyAndReturnDoc, with queries,
// orders, projections, update specs and documents as canonical Extended
// JSON strings ({"$tcb_server_date":{"offset":N}} is db.serverDate());
// answers carry documents as relaxed Extended JSON strings. Errors are the
// SDKs' string codes: DATABASE_COLLECTION_NOT_EXIST (-502005),
// DATABASE_REQUEST_FAILED (-502001, duplicate keys, update errors),
// INVALID_PARAM (-501007), SYS_ERR (-501001, an existing collection). A
// getDocument without limit returns 100 documents (the SDKs' default), at
// most MaxLimit.
//
// startTransaction, commitTransaction and abortTransaction are optimistic
// transactions (txn.go): reads pin the version they saw, writes stay
// private, commit checks the pinned versions (else
// DATABASE_TRANSACTION_CONFLICT, which node-sdk's runTransaction retries)
// and writes every collection in one store transaction. A transaction
// lives at most TransactionLifetime (60 s); at most 1,000 are open and each
// touches at most 1,000 documents.
//
// # Lifecycle
//
// Destroying an environment drops its collections, jobs and export files.
// State reports documents and bytes per env and collection (counted in the
// store for collections not loaded yet). Reset forgets every cache after
// the host wiped the store; Close stops running migration jobs.
package docdb
