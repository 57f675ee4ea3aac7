package cos

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzParseQSign(f *testing.F) {
	f.Add("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=0123456789012345678901234567890123456789")
	f.Add("q-sign-algorithm=sha1&&=")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQSign(s)
		if err != nil {
			return
		}
		if q.SignEnd < q.SignStart || len(q.Signature) != 40 {
			t.Fatalf("accepted %q: %+v", s, q)
		}
		r, _ := http.NewRequest("GET", "http://h/x?a=1", nil)
		q.verify(r, "key")
		q.checkTime(time.Unix(1, 0))
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=5-", "bytes=9-1", "bytes=,", "bytes=-0", "bytes=99999999999999999999-"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		start, n, status, e := parseRange(h, size)
		if e != nil {
			return
		}
		if start < 0 || n < 0 || start+n > size || (status == 200 && (start != 0 || n != size)) {
			t.Fatalf("%q of %d: start %d n %d status %d", h, size, start, n, status)
		}
	})
}

func FuzzPolicy(f *testing.F) {
	f.Add(`{"expiration":"2099-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","a/"],["content-length-range",1,10]]}`, "a/x")
	f.Add(`{"conditions":[[1,2,3]]}`, "k")
	f.Fuzz(func(t *testing.T, policy, key string) {
		form := &postForm{fields: map[string]string{"key": key}}
		lo, hi := int64(0), int64(MaxPutSize)
		if checkPolicy([]byte(policy), form, "b", key, time.Unix(0, 0), &lo, &hi) == nil && (lo < 0 || hi > MaxPutSize) {
			t.Fatalf("limits %d..%d", lo, hi)
		}
	})
}

func FuzzFileID(f *testing.F) {
	f.Add("cloud://env.bucket-1/a/b.png")
	f.Add("cloud://env./")
	f.Fuzz(func(t *testing.T, id string) {
		env, bucket, key, err := parseFileID(id)
		if err == nil && (env == "" || bucket == "" || key == "" || !strings.HasPrefix(id, "cloud://")) {
			t.Fatalf("%q -> %q %q %q", id, env, bucket, key)
		}
	})
}
