package dbquery

import (
	"errors"
	"fmt"
	"strings"
)

// parseWhereJSON reads a --where value the way FromFlags does.
func parseWhereJSON(whereJSON string) (*Document, error) {
	if strings.TrimSpace(whereJSON) == "" {
		return nil, nil
	}
	d, err := DecodeDocument([]byte(whereJSON))
	if err != nil {
		return nil, fmt.Errorf("where: %w", err)
	}
	nd, err := jsNumbers(d, 0)
	if err != nil {
		return nil, fmt.Errorf("where: %w", err)
	}
	f, err := buildFilter(nd)
	if err != nil {
		return nil, fmt.Errorf("where: %w", err)
	}
	return f, nil
}

func checkCollection(c string) error {
	if c == "" || strings.ContainsAny(c, "$\x00") || len(c) > 255 {
		return errors.New("collection name must be a non-empty string without '$'")
	}
	return nil
}

// UpdateFromFlags builds where(whereJSON).update({data}) for every matching
// document: setJSON holds plain values (Extended JSON) that become $set on
// flattened dot paths, exactly like the statement's data; unset lists
// fields to remove ($unset). Operators ($inc, $push, ...) need a statement.
func UpdateFromFlags(collection, whereJSON, setJSON string, unset []string) (*Query, error) {
	if err := checkCollection(collection); err != nil {
		return nil, err
	}
	f, err := parseWhereJSON(whereJSON)
	if err != nil {
		return nil, err
	}
	u := &updateBuilder{}
	if strings.TrimSpace(setJSON) != "" {
		d, err := DecodeDocument([]byte(setJSON))
		if err != nil {
			return nil, fmt.Errorf("set: %w", err)
		}
		for _, k := range d.Keys() {
			if strings.HasPrefix(k, "$") {
				return nil, fmt.Errorf("set: %q is an operator; --set takes plain values (write a statement for $inc, $push, ...)", k)
			}
		}
		nd, err := jsNumbers(d, 0)
		if err != nil {
			return nil, fmt.Errorf("set: %w", err)
		}
		if err := u.collect(nd.(*Document), ""); err != nil {
			return nil, fmt.Errorf("set: %w", err)
		}
	}
	for _, field := range unset {
		field = strings.TrimSpace(field)
		if field == "" || strings.HasPrefix(field, "$") || field == "_id" {
			return nil, fmt.Errorf("unset: invalid field %q", field)
		}
		if err := u.add("$unset", field, ""); err != nil {
			return nil, err
		}
	}
	if len(u.entries) == 0 {
		return nil, errors.New("nothing to update: give --set and/or --unset")
	}
	return &Query{Collection: collection, Action: ActionUpdate, Filter: f, Update: u.document(), Multi: true}, nil
}

// RemoveFromFlags builds where(whereJSON).remove(). An empty condition
// removes every document, so callers should confirm it.
func RemoveFromFlags(collection, whereJSON string) (*Query, error) {
	if err := checkCollection(collection); err != nil {
		return nil, err
	}
	f, err := parseWhereJSON(whereJSON)
	if err != nil {
		return nil, err
	}
	return &Query{Collection: collection, Action: ActionRemove, Filter: f, Multi: true}, nil
}

// CountFromFlags builds where(whereJSON).count().
func CountFromFlags(collection, whereJSON string) (*Query, error) {
	q, err := RemoveFromFlags(collection, whereJSON)
	if err != nil {
		return nil, err
	}
	q.Action, q.Multi = ActionCount, false
	return q, nil
}

// InsertDocuments builds add({data: docs}) from decoded documents (numbers
// normalised like statement literals).
func InsertDocuments(collection string, docs []*Document) (*Query, error) {
	if err := checkCollection(collection); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("no documents to add")
	}
	data := make([]*Document, len(docs))
	for i, d := range docs {
		nd, err := jsNumbers(d, 0)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		data[i] = nd.(*Document)
	}
	return &Query{Collection: collection, Action: ActionInsert, Data: data}, nil
}

// AggregateFromJSON builds aggregate()...end() from a JSON array of stages,
// each an object with one key such as {"$match": {...}}; $match conditions
// read like where() (nested plain objects are dot paths).
func AggregateFromJSON(collection, pipelineJSON string) (*Query, error) {
	if err := checkCollection(collection); err != nil {
		return nil, err
	}
	v, err := DecodeValue([]byte(pipelineJSON))
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, errors.New(`pipeline: expected a non-empty JSON array of stages such as [{"$match":{...}}]`)
	}
	q := &Query{Collection: collection, Action: ActionAggregate}
	for i, s := range arr {
		sd, ok := s.(*Document)
		if !ok || sd.Len() != 1 || !strings.HasPrefix(sd.Keys()[0], "$") {
			return nil, fmt.Errorf("pipeline stage %d: expected an object with one $stage key", i+1)
		}
		name := strings.TrimPrefix(sd.Keys()[0], "$")
		arg, _ := sd.Get(sd.Keys()[0])
		arg, err = jsNumbers(arg, 0)
		if err != nil {
			return nil, fmt.Errorf("pipeline stage %d: %w", i+1, err)
		}
		known := false
		for _, n := range stageNames {
			known = known || n == name
		}
		if !known {
			return nil, fmt.Errorf("pipeline stage %d: unsupported stage $%s", i+1, name)
		}
		st, err := buildStage(name, []any{arg})
		if err != nil {
			return nil, fmt.Errorf("pipeline stage %d: %w", i+1, err)
		}
		q.Pipeline = append(q.Pipeline, st)
	}
	return q, nil
}
