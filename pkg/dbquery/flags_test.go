package dbquery

import "testing"

func TestCountQuery(t *testing.T) {
	limit := int64(3)
	q, err := FromFlags("c", `{"a": 1}`, []string{"b"}, nil, &limit, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	c := q.CountQuery()
	if c.Statement() != `db.collection("c").where({"a": 1}).count()` {
		t.Fatalf("count statement %s", c.Statement())
	}
	if q.Action != ActionFind || q.Limit == nil {
		t.Fatal("CountQuery modified the original")
	}
	checkRoundTrip(t, c, "count")
}
