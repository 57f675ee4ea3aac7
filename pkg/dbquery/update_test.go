package dbquery

import (
	"strings"
	"testing"
)

func TestApplyUpdate(t *testing.T) {
	tests := []struct {
		name, doc, update, want string
		modified                bool
	}{
		{"set creates nested", `{"_id": 1}`, `{"$set": {"a.b.c": 1}}`, `{"_id": 1, "a": {"b": {"c": 1}}}`, true},
		{"set array index pads with null", `{"_id": 1, "a": [0]}`, `{"$set": {"a.3": 9}}`, `{"_id": 1, "a": [0, null, null, 9]}`, true},
		{"set same value is not a modification", `{"_id": 1, "a": 1}`, `{"$set": {"a": 1}}`, `{"_id": 1, "a": 1}`, false},
		{"set int over float is a modification", `{"_id": 1, "a": 1.0}`, `{"$set": {"a": 1}}`, `{"_id": 1, "a": 1}`, true},
		{"set _id to the same value", `{"_id": 1, "a": 1}`, `{"$set": {"_id": 1, "a": 2}}`, `{"_id": 1, "a": 2}`, true},
		{"unset array element becomes null", `{"a": [1, 2, 3]}`, `{"$unset": {"a.1": ""}}`, `{"a": [1, null, 3]}`, true},
		{"unset missing", `{"a": 1}`, `{"$unset": {"b.c": ""}}`, `{"a": 1}`, false},
		{"inc missing sets", `{}`, `{"$inc": {"n": 2.5}}`, `{"n": 2.5}`, true},
		{"inc int by float", `{"n": 1}`, `{"$inc": {"n": 0.5}}`, `{"n": 1.5}`, true},
		{"inc overflow becomes double", `{"n": 9223372036854775807}`, `{"$inc": {"n": 1}}`, `{"n": 9223372036854775808.0}`, true},
		{"mul missing is zero of the type", `{}`, `{"$mul": {"a": 3, "b": 1.5}}`, `{"a": 0, "b": 0.0}`, true},
		{"min across types uses BSON order", `{"a": "x"}`, `{"$min": {"a": 5}}`, `{"a": 5}`, true},
		{"max date", `{"a": {"$date": "2020-01-01T00:00:00Z"}}`, `{"$max": {"a": {"$date": "2021-01-01T00:00:00Z"}}}`, `{"a": {"$date": "2021-01-01T00:00:00Z"}}`, true},
		{"rename into nested", `{"a": 1, "b": {"c": 2}}`, `{"$rename": {"a": "b.d"}}`, `{"b": {"c": 2, "d": 1}}`, true},
		{"rename missing", `{"a": 1}`, `{"$rename": {"x": "y"}}`, `{"a": 1}`, false},
		{"push negative position", `{"a": [1, 2, 3]}`, `{"$push": {"a": {"$each": [9], "$position": -1}}}`, `{"a": [1, 2, 9, 3]}`, true},
		{"push negative slice", `{"a": [1, 2, 3]}`, `{"$push": {"a": {"$each": [4], "$slice": -2}}}`, `{"a": [3, 4]}`, true},
		{"push slice zero", `{"a": [1]}`, `{"$push": {"a": {"$each": [2], "$slice": 0}}}`, `{"a": []}`, true},
		{"push sort by field", `{"a": [{"x": 2}, {"x": 1}]}`, `{"$push": {"a": {"$each": [{"x": 0}], "$sort": {"x": 1}}}}`, `{"a": [{"x": 0}, {"x": 1}, {"x": 2}]}`, true},
		{"push plain value", `{}`, `{"$push": {"a": [1]}}`, `{"a": [[1]]}`, true},
		{"pop empty", `{"a": []}`, `{"$pop": {"a": 1}}`, `{"a": []}`, false},
		{"pop missing", `{}`, `{"$pop": {"a": -1}}`, `{}`, false},
		{"addToSet numeric equality", `{"a": [1]}`, `{"$addToSet": {"a": 1.0}}`, `{"a": [1]}`, false},
		{"addToSet document", `{"a": [{"x": 1}]}`, `{"$addToSet": {"a": {"x": 2}}}`, `{"a": [{"x": 1}, {"x": 2}]}`, true},
		{"pull with operators", `{"a": [1, 5, 10]}`, `{"$pull": {"a": {"$gte": 5}}}`, `{"a": [1]}`, true},
		{"pull with document query", `{"a": [{"x": 1, "y": 1}, {"x": 2}]}`, `{"$pull": {"a": {"x": 1}}}`, `{"a": [{"x": 2}]}`, true},
		{"pull regex", `{"a": ["ab", "cd"]}`, `{"$pull": {"a": {"$regex": "^a"}}}`, `{"a": ["cd"]}`, true},
		{"pull array value", `{"a": [[1, 2], [2, 1]]}`, `{"$pull": {"a": [1, 2]}}`, `{"a": [[2, 1]]}`, true},
		{"pullAll", `{"a": [1, 2, 1, 3]}`, `{"$pullAll": {"a": [1, 3]}}`, `{"a": [2]}`, true},
		{"replacement keeps _id", `{"_id": "x", "a": 1}`, `{"b": 2}`, `{"_id": "x", "b": 2}`, true},
		{"replacement with same _id", `{"_id": "x", "a": 1}`, `{"_id": "x", "a": 1}`, `{"_id": "x", "a": 1}`, false},
		{"server date resolved", `{}`, `{"$set": {"t": {"$date": {"offset": 0}}}}`, ``, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustDoc(t, tc.doc)
			before := doc.String()
			got, modified, err := ApplyUpdate(doc, mustDoc(t, tc.update))
			if err != nil {
				t.Fatal(err)
			}
			if doc.String() != before {
				t.Fatal("ApplyUpdate modified its input")
			}
			if modified != tc.modified {
				t.Fatalf("modified = %v, want %v", modified, tc.modified)
			}
			if tc.want == "" {
				if v, _ := got.Get("t"); TypeClass(v) != ClassDate {
					t.Fatalf("server date not resolved: %s", got)
				}
				return
			}
			if want := mustDoc(t, tc.want); !EqualValues(got, want) {
				t.Fatalf("got %s, want %s", got, want)
			}
		})
	}
}

func TestApplyUpdateErrors(t *testing.T) {
	tests := []struct{ doc, update, want string }{
		{`{"_id": 1, "age": "x"}`, `{"$inc": {"age": 1}}`, "cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'age' of non-numeric type string"},
		{`{"_id": 1, "n": {"m": true}}`, `{"$mul": {"n.m": 2}}`, "field 'm' of non-numeric type bool"},
		{`{"_id": 1}`, `{"$inc": {"a": "1"}}`, "non-numeric argument"},
		{`{"_id": 1, "tags": "x"}`, `{"$push": {"tags": 1}}`, "the field 'tags' must be an array but is of type string in document {_id: 1}"},
		{`{"_id": 1, "tags": 5}`, `{"$addToSet": {"tags": 1}}`, "must be an array"},
		{`{"_id": 1, "tags": {}}`, `{"$pull": {"tags": 1}}`, "must be an array"},
		{`{"_id": 1}`, `{"$set": {"_id": 2}}`, "immutable field '_id'"},
		{`{"_id": 1}`, `{"$unset": {"_id": ""}}`, "immutable field '_id'"},
		{`{"_id": 1}`, `{"$rename": {"a": "_id"}}`, "immutable field '_id'"},
		{`{"_id": 1}`, `{"_id": 2}`, "_id field cannot be changed"},
		{`{"a": 5}`, `{"$set": {"a.b": 1}}`, "cannot create field 'b' in element {a: 5}"},
		{`{"a": [1]}`, `{"$set": {"a.x": 1}}`, "cannot create field 'x'"},
		{`{}`, `{"$set": {"a": 1}, "$inc": {"a": 1}}`, "would create a conflict at 'a'"},
		{`{}`, `{"$set": {"a.b": 1, "a": 2}}`, "would create a conflict at 'a'"},
		{`{}`, `{"$rename": {"a": "a"}}`, "must differ"},
		{`{"a": [{"b": 1}]}`, `{"$rename": {"a.0.b": "c"}}`, "cannot be an array element"},
		{`{}`, `{"$currentDate": {"a": true}}`, "unsupported operator $currentDate"},
		{`{}`, `{"$bit": {"a": {"and": 1}}}`, "unsupported operator $bit"},
		{`{}`, `{"$set": {"a": 1}, "b": 2}`, "mixes operators and plain fields"},
		{`{"a": [1]}`, `{"$push": {"a": {"$slice": 1, "$each": [2]}}}`, "$each must be the first"},
		{`{"a": [1]}`, `{"$pop": {"a": 2}}`, "$pop expects 1 or -1"},
		{`{}`, `{"$set": {"a..b": 1}}`, "invalid update path"},
	}
	for _, tc := range tests {
		_, _, err := ApplyUpdate(mustDoc(t, tc.doc), mustDoc(t, tc.update))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ApplyUpdate(%s, %s) = %v, want error containing %q", tc.doc, tc.update, err, tc.want)
		}
	}
}

func TestApplyProjection(t *testing.T) {
	doc := mustDoc(t, `{"_id": 1, "a": {"b": 1, "c": 2}, "arr": [{"x": 1, "y": 2}, 5, [{"x": 3}]], "z": 0}`)
	tests := []struct{ proj, want string }{
		{`{"a.b": 1}`, `{"_id": 1, "a": {"b": 1}}`},
		{`{"z": 1, "a": 1}`, `{"_id": 1, "a": {"b": 1, "c": 2}, "z": 0}`},
		{`{"arr.x": 1, "_id": 0}`, `{"arr": [{"x": 1}, [{"x": 3}]]}`},
		{`{"a.c": 0, "arr": 0}`, `{"_id": 1, "a": {"b": 1}, "z": 0}`},
		{`{"arr.y": 0}`, `{"_id": 1, "a": {"b": 1, "c": 2}, "arr": [{"x": 1}, 5, [{"x": 3}]], "z": 0}`},
		{`{"_id": 0}`, `{"a": {"b": 1, "c": 2}, "arr": [{"x": 1, "y": 2}, 5, [{"x": 3}]], "z": 0}`},
		{`{"_id": 1}`, `{"_id": 1}`},
		{`{"missing": 1}`, `{"_id": 1}`},
	}
	for _, tc := range tests {
		got, err := ApplyProjection(doc, mustDoc(t, tc.proj))
		if err != nil {
			t.Fatalf("%s: %v", tc.proj, err)
		}
		if want := mustDoc(t, tc.want); !EqualValues(got, want) {
			t.Errorf("projection %s: got %s, want %s", tc.proj, got, want)
		}
	}
	for _, bad := range []string{`{"a": 1, "z": 0}`, `{"a": 1, "a.b": 1}`, `{"a": "x"}`, `{"$a": 1}`} {
		if _, err := ApplyProjection(doc, mustDoc(t, bad)); err == nil {
			t.Errorf("projection %s should fail", bad)
		}
	}
}

// A "$" in an update path is never stored as a field: positional operators
// are not supported (an error says so), other $-fields are invalid.
func TestUpdateRefusesDollarPaths(t *testing.T) {
	d := D("_id", "x", "a", []any{int64(1), int64(2)})
	for _, c := range []struct {
		upd  *Document
		want string
	}{
		{D("$set", D("a.$", int64(5))), "unsupported: the positional operator $"},
		{D("$set", D("b.$", int64(5))), "unsupported: the positional operator $"},
		{D("$inc", D("a.$[]", int64(1))), "unsupported: the positional operator $[]"},
		{D("$set", D("a.$[i]", int64(1))), "unsupported: the positional operator $[i]"},
		{D("$set", D("$x", int64(5))), "'$x' in '$x' is not valid for storage"},
		{D("$set", D("n.$y.z", int64(5))), "'$y' in 'n.$y.z' is not valid for storage"},
		{D("$rename", D("a", "b.$")), "positional operator $"},
	} {
		if _, _, err := ApplyUpdate(d, c.upd); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.upd, err, c.want)
		}
	}
}
