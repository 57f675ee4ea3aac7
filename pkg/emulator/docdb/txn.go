package docdb

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/tcb-go/tcb/pkg/dbquery"
	"github.com/tcb-go/tcb/pkg/emulator/sdkapi"
)

// Transactions (db.runTransaction, db.startTransaction in the server SDKs)
// are optimistic. A transaction reads the committed documents and pins the
// version it saw of each (documents are immutable, so the pointer is the
// version); its writes stay private until commit. Reads inside the
// transaction see its own writes, and a second read of a document returns
// the pinned version, whatever others committed meanwhile. Commit takes the
// locks of its collections, checks that every document the transaction read or wrote is
// still the version it pinned (else DATABASE_TRANSACTION_CONFLICT, which
// node-sdk's runTransaction retries), and writes all its changes, in every
// collection, in one store transaction. Abort, an error at commit, or
// reaching TransactionLifetime discards everything.

// Limits of transactions.
const (
	// TransactionLifetime is how long a transaction may stay open
	// (MongoDB's transactionLifetimeLimitSeconds default).
	TransactionLifetime = 60 * time.Second
	maxOpenTransactions = 1000
	maxTransactionDocs  = 1000
)

// docKey names a document of a collection.
type docKey struct {
	coll string
	id   string // the _id's encoding
}

// pinned is the committed version a transaction saw: rec nil when the
// document did not exist.
type pinned struct {
	rec *record
	doc *dbquery.Document
}

type txn struct {
	id, env string
	expires time.Time

	mu     sync.Mutex
	done   bool
	reads  map[docKey]pinned
	writes map[docKey]*dbquery.Document // nil: deleted
	order  []docKey                     // first write order
}

type txnRegistry struct {
	mu   sync.Mutex
	open map[string]*txn
}

func idKey(coll string, id dbquery.Value) (docKey, error) {
	b, err := dbquery.EncodeValue(id)
	if err != nil {
		return docKey{}, errInvalid("_id: %v", err)
	}
	return docKey{coll: coll, id: string(b)}, nil
}

// byID returns the live record with that _id.
func (c *collection) byID(id dbquery.Value) *record {
	ix := c.idIndex()
	lo, hi := ix.equalRange([]dbquery.Value{id})
	var found *record
	ix.list.each(lo, hi, func(e entry) bool {
		if !e.rec.dead {
			found = e.rec
			return false
		}
		return true
	})
	return found
}

func (m *Module) sdkStartTransaction(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	now := m.now()
	m.txns.mu.Lock()
	defer m.txns.mu.Unlock()
	if m.txns.open == nil {
		m.txns.open = map[string]*txn{}
	}
	for id, t := range m.txns.open {
		if now.After(t.expires) {
			delete(m.txns.open, id)
		}
	}
	if len(m.txns.open) >= maxOpenTransactions {
		return nil, &sdkapi.Error{Code: sdkapi.CodeTransactionFail, Message: "too many open transactions: commit or abort some first"}
	}
	t := &txn{id: "tx-" + newID()[:16], env: r.Env, expires: now.Add(TransactionLifetime),
		reads: map[docKey]pinned{}, writes: map[docKey]*dbquery.Document{}}
	m.txns.open[t.id] = t
	return sdkapi.Reply{"transactionId": t.id}, nil
}

// sdkTxn returns the open transaction the request names (nil when it names
// none).
func (m *Module) sdkTxn(r *sdkapi.Request) (*txn, error) {
	id, err := r.String("transactionId")
	if err != nil || id == "" {
		return nil, err
	}
	return m.lookupTxn(r.Env, id)
}

func (m *Module) lookupTxn(env, id string) (*txn, error) {
	m.txns.mu.Lock()
	t := m.txns.open[id]
	if t != nil && m.now().After(t.expires) {
		delete(m.txns.open, id)
		t = nil
	}
	m.txns.mu.Unlock()
	if t == nil || t.env != env {
		return nil, &sdkapi.Error{Code: sdkapi.CodeTransactionFail,
			Message: "[NoSuchTransaction] transaction " + id + " does not exist, has ended or ran past its " + TransactionLifetime.String() + " lifetime"}
	}
	return t, nil
}

func (m *Module) endTxn(t *txn) {
	t.done = true
	m.txns.mu.Lock()
	delete(m.txns.open, t.id)
	m.txns.mu.Unlock()
}

func (m *Module) sdkCommitTransaction(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	t, err := m.sdkTxn(r)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errInvalid("transactionId is required")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil, &sdkapi.Error{Code: sdkapi.CodeTransactionFail, Message: "[NoSuchTransaction] transaction " + t.id + " has ended"}
	}
	defer m.endTxn(t)
	return sdkapi.Reply{}, m.commitTxn(ctx, t)
}

func (m *Module) sdkAbortTransaction(ctx context.Context, r *sdkapi.Request) (sdkapi.Reply, error) {
	t, err := m.sdkTxn(r)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errInvalid("transactionId is required")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m.endTxn(t)
	return sdkapi.Reply{}, nil
}

// begin locks the transaction for one operation.
func (t *txn) begin() (func(), error) {
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return nil, &sdkapi.Error{Code: sdkapi.CodeTransactionFail, Message: "[NoSuchTransaction] transaction " + t.id + " has ended"}
	}
	return t.mu.Unlock, nil
}

// view returns the document as the transaction sees it, pinning the
// committed version on first sight. The caller holds t.mu and m.mu (read).
func (t *txn) view(c *collection, key docKey, id dbquery.Value) (*dbquery.Document, error) {
	if d, ok := t.writes[key]; ok {
		return d, nil
	}
	if p, ok := t.reads[key]; ok {
		return p.doc, nil
	}
	if len(t.reads) >= maxTransactionDocs {
		return nil, &sdkapi.Error{Code: sdkapi.CodeTransactionFail, Message: "a transaction may touch at most 1000 documents"}
	}
	p := pinned{rec: c.byID(id)}
	if p.rec != nil {
		p.doc = p.rec.doc
	}
	t.reads[key] = p
	return p.doc, nil
}

func (t *txn) write(key docKey, doc *dbquery.Document) {
	if _, ok := t.writes[key]; !ok {
		t.order = append(t.order, key)
	}
	t.writes[key] = doc
}

// txnFind reads inside a transaction: by _id, or every match of filter with
// the transaction's own writes in place of the committed versions.
func (m *Module) txnFind(ctx context.Context, t *txn, coll string, filter *dbquery.Document, docID dbquery.Value,
	order []dbquery.SortKey, skip, limit int64, projection *dbquery.Document) ([]*dbquery.Document, error) {
	unlock, err := t.begin()
	if err != nil {
		return nil, err
	}
	defer unlock()
	f, err := m.compile(filter, m.now())
	if err != nil {
		return nil, err
	}
	defer m.lock(t.env, false, coll)()
	c, err := m.mustCollection(t.env, coll)
	if err != nil {
		return nil, err
	}
	var docs []*dbquery.Document
	if docID != nil {
		key, err := idKey(coll, docID)
		if err != nil {
			return nil, err
		}
		d, err := t.view(c, key, docID)
		if err != nil {
			return nil, err
		}
		if d != nil {
			docs = append(docs, d)
		}
	} else {
		recs, _, err := c.matching(ctx, f, 0)
		if err != nil {
			return nil, statementError("Query", err)
		}
		seen := map[docKey]bool{}
		for _, rec := range recs {
			key, err := idKey(coll, rec.id)
			if err != nil {
				return nil, err
			}
			seen[key] = true
			d, err := t.view(c, key, rec.id)
			if err != nil {
				return nil, err
			}
			if d != nil && f.Match(d) {
				docs = append(docs, d)
			}
		}
		// Documents the transaction wrote that match now but did not in
		// the committed state.
		for _, key := range t.order {
			if d := t.writes[key]; key.coll == coll && !seen[key] && d != nil && f.Match(d) {
				docs = append(docs, d)
			}
		}
	}
	if len(order) > 0 {
		dbquery.SortDocuments(docs, order)
	}
	docs = window(docs, skip, limit)
	if projection != nil {
		for i, d := range docs {
			p, err := dbquery.ApplyProjection(d, projection)
			if err != nil {
				return nil, errInvalid("%v", err)
			}
			docs[i] = p
		}
	}
	return docs, nil
}

func (m *Module) txnInsert(t *txn, coll string, data []*dbquery.Document) ([]dbquery.Value, error) {
	unlock, err := t.begin()
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := m.now()
	defer m.lock(t.env, false, coll)()
	c, err := m.mustCollection(t.env, coll)
	if err != nil {
		return nil, err
	}
	ids := make([]dbquery.Value, 0, len(data))
	type pending struct {
		key docKey
		doc *dbquery.Document
	}
	var adds []pending
	for _, d := range data {
		nd, err := prepareInsert(d, now)
		if err != nil {
			return nil, err
		}
		id, _ := nd.Get("_id")
		key, err := idKey(coll, id)
		if err != nil {
			return nil, err
		}
		cur, err := t.view(c, key, id)
		if err != nil {
			return nil, err
		}
		for _, a := range adds {
			if a.key == key {
				cur = a.doc
			}
		}
		if cur != nil {
			return nil, errFailed("Insert", "%s", dupKeyMessage(c.env, c.name, c.idIndex(), []dbquery.Value{id}))
		}
		adds = append(adds, pending{key, nd})
		ids = append(ids, id)
	}
	for _, a := range adds {
		t.write(a.key, a.doc)
	}
	return ids, nil
}

// txnUpdate is doc(id).update() (operators) or doc(id).set() (a
// replacement, with upsert) inside a transaction.
func (m *Module) txnUpdate(t *txn, coll string, id dbquery.Value, op updateOp) (*updateResult, error) {
	unlock, err := t.begin()
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := m.now()
	upd, _ := dbquery.ResolveServerDates(op.update, now).(*dbquery.Document)
	if !op.replace {
		if upd, err = checkOperatorUpdate(op.update, now); err != nil {
			return nil, err
		}
	} else if hasOperators(upd) {
		return nil, errInvalid("a replacement document must not contain update operators")
	}
	defer m.lock(t.env, false, coll)()
	c, err := m.mustCollection(t.env, coll)
	if err != nil {
		return nil, err
	}
	key, err := idKey(coll, id)
	if err != nil {
		return nil, err
	}
	cur, err := t.view(c, key, id)
	if err != nil {
		return nil, err
	}
	res := &updateResult{}
	if cur == nil {
		if !op.upsert {
			return res, nil
		}
		nd, uid, err := upsertDocument(op.filter, upd, op.replace)
		if err != nil {
			return nil, err
		}
		t.write(key, nd)
		res.upserted = uid
		return res, nil
	}
	nd, changed, err := dbquery.ApplyUpdate(cur, upd)
	if err != nil {
		return nil, errFailed("Update", "%v", err)
	}
	res.matched = 1
	if changed {
		res.modified = 1
		t.write(key, nd)
	}
	return res, nil
}

func (m *Module) txnRemove(t *txn, coll string, id dbquery.Value) (int64, error) {
	unlock, err := t.begin()
	if err != nil {
		return 0, err
	}
	defer unlock()
	defer m.lock(t.env, false, coll)()
	c, err := m.mustCollection(t.env, coll)
	if err != nil {
		return 0, err
	}
	key, err := idKey(coll, id)
	if err != nil {
		return 0, err
	}
	cur, err := t.view(c, key, id)
	if err != nil || cur == nil {
		return 0, err
	}
	t.write(key, nil)
	return 1, nil
}

// txnFindAndModify is updateAndReturn inside a transaction.
func (m *Module) txnFindAndModify(ctx context.Context, t *txn, coll string, filter, update *dbquery.Document) (*dbquery.Document, error) {
	docs, err := m.txnFind(ctx, t, coll, filter, nil, nil, 0, 1, nil)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	id, _ := docs[0].Get("_id")
	res, err := m.txnUpdate(t, coll, id, updateOp{update: update})
	if err != nil {
		return nil, err
	}
	if res.matched == 0 {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key, _ := idKey(coll, id)
	if d, ok := t.writes[key]; ok {
		return d, nil
	}
	return docs[0], nil
}

// commitTxn validates the pinned versions and writes the transaction's
// changes. The caller holds t.mu.
func (m *Module) commitTxn(ctx context.Context, t *txn) error {
	if len(t.writes) == 0 {
		return nil
	}
	lockNames := make([]string, 0, len(t.reads)+len(t.writes))
	for key := range t.reads {
		lockNames = append(lockNames, key.coll)
	}
	for key := range t.writes {
		lockNames = append(lockNames, key.coll)
	}
	defer m.lock(t.env, true, lockNames...)()
	colls := map[string]*collection{}
	for key := range t.reads {
		if colls[key.coll] == nil {
			c, err := m.mustCollection(t.env, key.coll)
			if err != nil {
				return err
			}
			colls[key.coll] = c
		}
	}
	keys := make([]docKey, 0, len(t.reads))
	for key := range t.reads {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].coll < keys[j].coll || (keys[i].coll == keys[j].coll && keys[i].id < keys[j].id)
	})
	current := map[docKey]*record{}
	for _, key := range keys {
		p := t.reads[key]
		id, err := dbquery.DecodeValue([]byte(key.id))
		if err != nil {
			return errSystem(err)
		}
		rec := colls[key.coll].byID(id)
		var doc *dbquery.Document
		if rec != nil {
			doc = rec.doc
		}
		if rec != p.rec || doc != p.doc {
			return &sdkapi.Error{Code: sdkapi.CodeTransactionClash,
				Message: "[WriteConflict] document " + key.id + " of collection " + key.coll + " was changed by another operation after this transaction read it; run the transaction again"}
		}
		current[key] = rec
	}
	byColl := map[string][]*change{}
	var names []string
	for _, key := range t.order {
		doc, old := t.writes[key], current[key]
		if doc == nil && old == nil {
			continue
		}
		if byColl[key.coll] == nil {
			names = append(names, key.coll)
		}
		byColl[key.coll] = append(byColl[key.coll], &change{old: old, doc: doc})
	}
	groups := make([]collChanges, 0, len(names))
	for _, name := range names {
		groups = append(groups, collChanges{c: colls[name], changes: byColl[name]})
	}
	return m.commitAll(ctx, groups, "Transaction")
}
