package fnrun

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	p := newTestPool(t, PoolOptions{})
	fn := jsFunc(t, "smoke", `let n = 0; console.log("loaded"); exports.main = async (event, context) => { n++; console.log("hi", n); process.stderr.write("err\n"); return {n, event, rid: context.request_id}; };`)
	for i := 0; i < 3; i++ {
		r, err := p.Invoke(context.Background(), fn, []byte(`{"a":1}`), InvokeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", r)
	}
}
