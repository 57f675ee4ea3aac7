package creds

import (
	"strings"
	"testing"
	"time"
)

func TestTemporaryCredentials(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a := New(map[string]string{"AKIDdev": "devkey"}, func() time.Time { return now })
	caller := Caller{OpenID: "o-1", AppID: "wxapp", Source: "wx_client"}
	p := a.Issue("env-1", caller, 10*time.Minute)
	if !strings.HasPrefix(p.SecretID, TemporaryPrefix) || p.SecretKey == "" || p.SessionToken == "" || !p.Temporary {
		t.Fatalf("issued %+v", p)
	}
	other := a.Issue("env-2", Caller{}, 0)

	got, err := a.Lookup(p.SecretID, p.SessionToken)
	if err != nil || got.SecretKey != p.SecretKey || got.Env != "env-1" || got.Caller != caller || !got.Allows("env-1") || got.Allows("env-2") {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	if dev, err := a.Lookup("AKIDdev", ""); err != nil || dev.SecretKey != "devkey" || dev.Temporary || !dev.Allows("anything") {
		t.Fatalf("permanent: %+v %v", dev, err)
	}

	tampered := []byte(p.SessionToken)
	tampered[3] ^= 1
	fails := []struct {
		name, id, token, code string
	}{
		{"no token", p.SecretID, "", "AuthFailure.TokenFailure"},
		{"another credential's token", p.SecretID, other.SessionToken, "AuthFailure.TokenFailure"},
		{"tampered token", p.SecretID, string(tampered), "AuthFailure.TokenFailure"},
		{"garbage token", p.SecretID, "x.y", "AuthFailure.TokenFailure"},
		{"huge token", p.SecretID, strings.Repeat("a", MaxTokenBytes+1), "AuthFailure.TokenFailure"},
		{"unknown permanent id", "AKIDnobody", "", "AuthFailure.SecretIdNotFound"},
	}
	for _, f := range fails {
		if _, err := a.Lookup(f.id, f.token); err == nil || err.Code != f.code {
			t.Errorf("%s: %v, want %s", f.name, err, f.code)
		}
	}

	// Another emulator (process) does not accept them.
	if _, err := New(nil, nil).Lookup(p.SecretID, p.SessionToken); err == nil {
		t.Error("a second authority accepted the first one's credential")
	}

	now = now.Add(10 * time.Minute)
	if _, err := a.Lookup(p.SecretID, p.SessionToken); err == nil || err.Code != "AuthFailure.TokenFailure" || !strings.Contains(err.Message, "expired") {
		t.Errorf("expired credential: %v", err)
	}
	if _, err := a.Lookup(other.SecretID, other.SessionToken); err != nil {
		t.Errorf("default TTL credential expired after 10 minutes: %v", err)
	}
}
