package prompt

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/AlecAivazis/survey/v2/terminal"
)

func pipe(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// survey's own cursor-position query, read through termReader, leaves
// the keys that came in the same read for the prompt; read straight from
// the file, they are gone.
func TestTermReaderKeepsKeysAfterTheCursorAnswer(t *testing.T) {
	const answer, typed = "\x1b[5;7R", "wx01\x1b[A\r"
	for _, wrap := range []bool{true, false} {
		in, feed := pipe(t)
		_, out := pipe(t) // takes the query; a pipe holds far more than it
		if _, err := feed.WriteString(answer + typed); err != nil {
			t.Fatal(err)
		}
		var reader terminal.FileReader = in
		if wrap {
			reader = &termReader{f: in}
		}
		var prior bytes.Buffer
		c := &terminal.Cursor{In: reader, Out: out}
		at, err := c.Location(&prior)
		if err != nil {
			t.Fatal(err)
		}
		if at.X != 7 || at.Y != 5 {
			t.Fatalf("location %+v", at)
		}
		feed.Close()
		rest, _ := io.ReadAll(io.MultiReader(&prior, reader))
		switch {
		case wrap && string(rest) != typed:
			t.Fatalf("termReader: the keys after the answer read %q, want %q", rest, typed)
		case !wrap && string(rest) != "":
			// The loss termReader is there for. If survey stops dropping
			// its over-read, termReader is no longer needed.
			t.Fatalf("survey kept %q without termReader: is termReader still needed?", rest)
		}
	}
}

// Bytes before an 'R' come in one piece: an arrow key's ESC [ A is not
// split, so survey does not take its ESC for the Escape key.
func TestTermReaderChunks(t *testing.T) {
	in, feed := pipe(t)
	if _, err := feed.WriteString("ab\x1b[AcdRef\x1b[BRR"); err != nil {
		t.Fatal(err)
	}
	feed.Close()
	r := &termReader{f: in}
	var got []string
	buf := make([]byte, 64)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			got = append(got, string(buf[:n]))
		}
		if err != nil {
			break
		}
	}
	want := []string{"ab\x1b[AcdR", "ef\x1b[BR", "R"}
	if len(got) != len(want) {
		t.Fatalf("reads %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reads %q, want %q", got, want)
		}
	}

	// A bufio.Reader on top (as survey's rune reader is) sees the ESC
	// with the rest of its sequence buffered.
	in, feed = pipe(t)
	feed.WriteString("\x1b[A")
	br := bufio.NewReader(&termReader{f: in})
	if b, _ := br.ReadByte(); b != 0x1b || br.Buffered() != 2 {
		t.Fatalf("after ESC: %d bytes buffered, want 2", br.Buffered())
	}
}
