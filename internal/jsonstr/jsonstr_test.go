package jsonstr

import (
	"encoding/json"
	"testing"
)

func check(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := Append([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("Append(%q) = %s, want %s", s, got[1:], want)
	}
	if got := AppendBytes([]byte("x"), []byte(s)); string(got) != "x"+string(want) {
		t.Fatalf("AppendBytes(%q) = %s, want %s", s, got[1:], want)
	}
}

func TestAppend(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" backslash\\ slash/", "\x00\x01\b\f\n\r\t\x1f\x7f", "<script>&amp;</script>",
		"\u2028\u2029", "é中😀", "\xff\xfe bad \xe2\x80 cut", "\xed\xa0\x80 surrogate"} {
		check(t, s)
	}
}

// FuzzAppend: Append writes what json.Marshal writes for any string.
func FuzzAppend(f *testing.F) {
	f.Add("a\"b\\c\n<>&\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}
