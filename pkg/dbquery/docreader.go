package dbquery

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DocReader reads the documents of an import file, strictly: either one
// JSON array of objects, or JSON Lines (one object per line, blank lines
// skipped). The first byte that is not blank decides: '[' opens an array.
// A UTF-8 byte order mark at the start is skipped.
//
// The whole input must be well formed. A truncated array, anything but
// blanks after its closing bracket, an element or a line that is not one
// (Extended JSON) object, or a line over MaxLine bytes, is a *DocReadError
// that says where: the line (JSON Lines) or the byte offset (arrays), and
// the record. After an error Next keeps returning it. The CLI's
// `tcb db import` and the emulator's migration import both read with it,
// so they accept and refuse the same files with the same words.
type DocReader struct {
	// MaxLine bounds one line of JSON Lines (default 16 MiB, MongoDB's
	// document limit).
	MaxLine int

	br      *bufio.Reader
	started bool
	array   bool
	dec     *json.Decoder
	skipped int64 // bytes consumed before the array decoder started

	line   int   // lines read (JSON Lines)
	offset int64 // byte offset of the next line (JSON Lines)
	rec    int   // records returned
	err    error // sticky: io.EOF or a *DocReadError
}

// NewDocReader returns a reader over r.
func NewDocReader(r io.Reader) *DocReader {
	return &DocReader{br: bufio.NewReaderSize(r, 1<<20)}
}

// DocReadError locates a problem in an import file.
type DocReadError struct {
	// Line is the 1-based line of JSON Lines input, 0 for an array.
	Line int
	// Offset is the byte offset from the start of the input: where the
	// line starts (JSON Lines), where the problem is (arrays).
	Offset int64
	// Record is the 1-based record the problem is in; Records of a
	// truncated array or trailing data is the number of complete records
	// before it.
	Record int
	Err    error
}

func (e *DocReadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("byte %d: %v", e.Offset, e.Err)
}

// DocReadError deliberately has no Unwrap: its cause may wrap io.EOF (a
// truncated value), and a caller testing errors.Is(err, io.EOF) for the
// clean end must not take a truncated file for a complete one.

// Records is the number of documents Next has returned.
func (r *DocReader) Records() int { return r.rec }

// Next returns the next document, or io.EOF after the last one of a well
// formed input.
func (r *DocReader) Next() (*Document, error) {
	if r.err != nil {
		return nil, r.err
	}
	d, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	r.rec++
	return d, nil
}

func (r *DocReader) next() (*Document, error) {
	if !r.started {
		r.started = true
		if err := r.start(); err != nil {
			return nil, err
		}
	}
	if r.array {
		return r.nextElement()
	}
	return r.nextLine()
}

// start skips blanks and a byte order mark and detects the format.
func (r *DocReader) start() error {
	for {
		b, err := r.br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			return &DocReadError{Offset: r.skipped, Err: err}
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			if b[0] == '\n' {
				r.line++
				r.offset = r.skipped + 1
			}
			r.br.Discard(1)
			r.skipped++
			continue
		case 0xEF:
			if bom, _ := r.br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) && r.skipped == 0 {
				r.br.Discard(3)
				r.skipped += 3
				r.offset = 3
				continue
			}
		case '[':
			r.array = true
			r.dec = json.NewDecoder(r.br)
			if _, err := r.dec.Token(); err != nil {
				return &DocReadError{Offset: r.skipped, Err: err}
			}
			return nil
		}
		r.offset = r.skipped
		return nil
	}
}

func (r *DocReader) pos() int64 { return r.skipped + r.dec.InputOffset() }

func (r *DocReader) nextElement() (*Document, error) {
	if r.dec.More() {
		at := r.pos()
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			var se *json.SyntaxError
			switch {
			case errors.As(err, &se):
				at = r.skipped + se.Offset
			case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
				return nil, &DocReadError{Offset: at, Record: r.rec + 1,
					Err: fmt.Errorf("record %d: the input ends before it is complete (truncated file?)", r.rec+1)}
			}
			return nil, &DocReadError{Offset: at, Record: r.rec + 1, Err: fmt.Errorf("record %d: %v", r.rec+1, err)}
		}
		d, err := decodeRecord(raw)
		if err != nil {
			return nil, &DocReadError{Offset: at, Record: r.rec + 1, Err: fmt.Errorf("record %d: %v", r.rec+1, err)}
		}
		return d, nil
	}
	at := r.pos()
	tok, err := r.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &DocReadError{Offset: at, Record: r.rec,
				Err: fmt.Errorf("the input ends before the array's closing ] (truncated after record %d?)", r.rec)}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			at = r.skipped + se.Offset
		}
		return nil, &DocReadError{Offset: at, Record: r.rec, Err: fmt.Errorf("after record %d: %v", r.rec, err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != ']' {
		return nil, &DocReadError{Offset: at, Record: r.rec, Err: fmt.Errorf("after record %d: expected , or ]", r.rec)}
	}
	// Only blanks may follow.
	end := r.pos()
	rest := io.MultiReader(r.dec.Buffered(), r.br)
	var buf [4096]byte
	n := int64(0)
	for {
		k, err := rest.Read(buf[:])
		for i, c := range buf[:k] {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return nil, &DocReadError{Offset: end + n + int64(i), Record: r.rec,
					Err: fmt.Errorf("data after the array's closing ] (%d records before it)", r.rec)}
			}
		}
		n += int64(k)
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if err != nil {
			return nil, &DocReadError{Offset: end + n, Record: r.rec, Err: err}
		}
	}
}

func (r *DocReader) nextLine() (*Document, error) {
	max := r.MaxLine
	if max <= 0 {
		max = 16 << 20
	}
	for {
		start := r.offset
		line, err := readLimitedLine(r.br, max)
		r.offset += int64(len(line))
		if len(line) == 0 && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		r.line++
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &DocReadError{Line: r.line, Offset: start, Record: r.rec + 1, Err: err}
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			continue
		}
		d, derr := decodeRecord(line)
		if derr != nil {
			if errors.Is(err, io.EOF) && !bytes.HasSuffix(line, []byte("\n")) {
				derr = fmt.Errorf("%v (the last line, without a newline: truncated file?)", derr)
			}
			return nil, &DocReadError{Line: r.line, Offset: start, Record: r.rec + 1, Err: derr}
		}
		return d, nil
	}
}

// decodeRecord decodes one record, which must be a JSON object.
func decodeRecord(raw []byte) (*Document, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("expected a JSON object")
	}
	return DecodeDocument(raw)
}

// readLimitedLine reads through the next newline (or the end), refusing
// lines over max bytes.
func readLimitedLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("line longer than %d bytes", max)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, err
	}
}
