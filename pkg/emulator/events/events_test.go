package events

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestSinceDeltasAcrossTopics(t *testing.T) {
	b := New()
	for i := 0; i < 3; i++ {
		b.Publish(TopicRequest, &Request{Name: "a"})
		b.Publish(TopicLog, &Log{Text: "x"})
	}
	evs, gap := b.Since(0, 0)
	if gap || len(evs) != 6 {
		t.Fatalf("got %d events, gap %v", len(evs), gap)
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
	evs, _ = b.Since(4, 0, TopicLog)
	if len(evs) != 1 || evs[0].Seq != 6 {
		t.Fatalf("log delta after 4: %+v", evs)
	}
	evs, _ = b.Since(0, 2)
	if len(evs) != 2 || evs[1].Seq != 2 {
		t.Fatalf("max 2: %+v", evs)
	}
	if ev, ok := b.Get(TopicRequest, 3); !ok || ev.Data.(*Request).Name != "a" {
		t.Fatalf("Get 3: %v %v", ev, ok)
	}
	if _, ok := b.Get(TopicRequest, 2); ok {
		t.Fatal("Get found a log event under the request topic")
	}
}

func TestRingsAreBoundedAndReportGaps(t *testing.T) {
	b := NewWithLimits(map[string]Limit{TopicLog: {Events: 10, Bytes: 1 << 20}, TopicRequest: {Events: 100, Bytes: 3000}})
	for i := 0; i < 25; i++ {
		b.Publish(TopicLog, &Log{})
	}
	evs, gap := b.Since(0, 0, TopicLog)
	if len(evs) != 10 || !gap || evs[0].Seq != 16 {
		t.Fatalf("got %d events from %d, gap %v", len(evs), evs[0].Seq, gap)
	}
	if _, gap := b.Since(15, 0, TopicLog); gap {
		t.Fatal("a reader that saw 15 missed nothing")
	}
	// The byte budget: each request counts 256 + 1000 bytes.
	for i := 0; i < 5; i++ {
		b.Publish(TopicRequest, &Request{Body: make([]byte, 1000)})
	}
	if got := len(b.Last(TopicRequest, 100)); got != 2 {
		t.Fatalf("byte-bounded ring holds %d requests, want 2", got)
	}
	// One event larger than the budget is still kept.
	b.Publish(TopicRequest, &Request{Body: make([]byte, 5000)})
	if got := len(b.Last(TopicRequest, 100)); got != 1 {
		t.Fatalf("ring holds %d requests, want the big one", got)
	}
}

func TestChangedWakesReadersAndCloseEndsThem(t *testing.T) {
	b := New()
	ch := b.Changed()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ch
	}()
	b.Publish("x", nil)
	wg.Wait()
	ch = b.Changed()
	b.Close()
	<-ch
	if !b.Closed() || b.Publish("x", nil) != 0 {
		t.Fatal("a closed bus still publishes")
	}
	<-b.Changed()
	var nilBus *Bus
	nilBus.Publish("x", nil)
	if evs, _ := nilBus.Since(0, 0); evs != nil {
		t.Fatal("nil bus returned events")
	}
}

func TestRedactedMasksSecretsAndShortensTokens(t *testing.T) {
	r := &Request{
		Query: "access_token=ACCESS_TOKEN_abcdefghijklmnop&appid=wx123&secret=APPSECRET123",
		Body: []byte(`{"FunctionName":"f","Environment":{"Variables":[{"Key":"DB_PASSWORD","Value":"hunter2"},{"Key":"MODE","Value":"dev"}]},` +
			`"SecretKey":"sk","Credentials":{"Token":"tttttttttttttttttttt"},"n":1}`),
		Response: []byte(`{"access_token":"zzzzzzzzzzzzzzzzzzzzzzzz","expires_in":7200}`),
	}
	r.BodySize, r.ResponseSize = int64(len(r.Body)), int64(len(r.Response))
	b, err := json.Marshal(r.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, secret := range []string{"ACCESS_TOKEN_abcdefghijklmnop", "APPSECRET123", "hunter2", `"sk"`, "tttttttttttttttttttt", "zzzzzzzzzzzzzzzzzzzzzzzz"} {
		if strings.Contains(s, secret) {
			t.Errorf("redacted request shows %s: %s", secret, s)
		}
	}
	for _, kept := range []string{`"appid":"wx123"`, `"Value":"dev"`, `"Key":"DB_PASSWORD"`, `"expires_in":7200`, `"access_token":"zzzz…zzzz"`} {
		if !strings.Contains(s, kept) {
			t.Errorf("redacted request lacks %s: %s", kept, s)
		}
	}
	// Truncated or non-JSON bodies are masked as key=value text.
	r2 := &Request{Body: []byte("grant_type=client_credential&secret=abc"), BodySize: 100, ContentType: "application/x-www-form-urlencoded"}
	if s := r2.Redacted().Body.(string); strings.Contains(s, "abc") {
		t.Errorf("form body not masked: %s", s)
	}
	r3 := &Request{Response: []byte{0x89, 'P', 'N', 'G'}, ResponseSize: 4000, ResponseType: "image/png"}
	if s := r3.Redacted().Response.(string); s != "(4000 bytes of image/png)" {
		t.Errorf("binary response shown as %q", s)
	}
}

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{"": "", "AKIDabcdefgh1234": "AKID****1234", "short": "sh****"} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecorderKeepsJSONAndStreamsTheRest(t *testing.T) {
	for _, tc := range []struct {
		ctype, body string
		kept        bool
	}{
		{"application/json", `{"errcode":40001,"errmsg":"invalid credential"}`, true},
		{"image/png", strings.Repeat("x", 100), false},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/cgi-bin/x?access_token=abc", strings.NewReader(`{"a":1}`))
		rec := NewRecorder(w, r)
		r.Body = rec.Body(r.Body)
		io.ReadAll(r.Body)
		rec.Header().Set("Content-Type", tc.ctype)
		if _, err := io.Copy(rec, strings.NewReader(tc.body)); err != nil {
			t.Fatal(err)
		}
		got := rec.Request(r)
		if w.Body.String() != tc.body || got.ResponseSize != int64(len(tc.body)) || (len(got.Response) > 0) != tc.kept {
			t.Errorf("%s: wrote %q, kept %q, size %d", tc.ctype, w.Body.String(), got.Response, got.ResponseSize)
		}
		if string(got.Body) != `{"a":1}` || got.Name != "POST /cgi-bin/x" {
			t.Errorf("%s: request %+v", tc.ctype, got)
		}
		if tc.kept && (got.Code != "40001" || got.Message != "invalid credential") {
			t.Errorf("errcode not found: %+v", got)
		}
	}
}
