package xfer

import (
	"errors"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/storage"
)

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KB", 1536: "1.5 KB", 200 << 20: "200.0 MB", 5 << 30: "5.0 GB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMeterPlainLines(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	m := NewMeter(ios, "Uploading", "uploaded", 2, 3000)
	p := m.Progress()
	p.Bytes(1000)
	p.File(storage.FileResult{Key: "a.txt", Size: 1000})
	p.File(storage.FileResult{Key: "b.txt", Size: 2000, Err: errors.New("boom")})
	m.Stop()
	want := "uploaded  a.txt (1000 B)\nfailed    b.txt: boom\n"
	if errOut.String() != want {
		t.Errorf("plain lines %q, want %q", errOut.String(), want)
	}
}

func TestMeterBarOnTerminal(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	m := NewMeter(ios, "Uploading", "uploaded", 4, 4<<20)
	p := m.Progress()
	p.Bytes(2 << 20)
	p.File(storage.FileResult{Key: "a", Size: 1 << 20})
	p.File(storage.FileResult{Key: "b", Size: 1 << 20})
	m.draw()
	m.Stop()
	out := errOut.String()
	for _, part := range []string{"Uploading [============", "2/4 files", "2.0 MB/4.0 MB", "/s", "\r\033[K"} {
		if !strings.Contains(out, part) {
			t.Errorf("the bar %q lacks %q", out, part)
		}
	}
	if strings.Contains(out, "uploaded  a") {
		t.Errorf("plain lines on a terminal: %q", out)
	}
}
