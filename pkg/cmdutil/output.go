package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/tcb-go/tcb/pkg/iostreams"
)

// PrintJSON writes v as indented JSON, or, with a jq expression, the
// expression's results: strings raw, everything else as JSON, one per line.
func PrintJSON(w io.Writer, v any, jq string) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if jq == "" {
		_, err = w.Write(append(b, '\n'))
		return err
	}
	q, err := gojq.Parse(jq)
	if err != nil {
		return FlagErrorf("invalid --jq expression: %v", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return FlagErrorf("invalid --jq expression: %v", err)
	}
	var input any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&input); err != nil {
		return err
	}
	input = normalizeNumbers(input)
	iter := code.Run(input)
	for {
		out, ok := iter.Next()
		if !ok {
			return nil
		}
		if e, isErr := out.(error); isErr {
			if h, ok := e.(*gojq.HaltError); ok && h.Value() == nil {
				return nil
			}
			return FlagErrorf("--jq: %v", e)
		}
		if s, ok := out.(string); ok {
			fmt.Fprintln(w, s)
			continue
		}
		ob, err := gojq.Marshal(out)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, string(ob))
	}
}

// normalizeNumbers turns json.Number into int or float64 for gojq.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && int64(int(i)) == i {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

// Table prints rows: aligned with upper-case headers on a terminal,
// tab-separated without headers otherwise.
//
// Alignment measures what a terminal shows, not bytes or runes: color
// escape sequences take no columns, East Asian wide characters (Chinese
// aliases such as "测试环境", 个人版) take two, combining marks none.
type Table struct {
	io     *iostreams.IOStreams
	header []string
	rows   [][]string
}

// NewTable starts a table with the given headers.
func NewTable(ios *iostreams.IOStreams, header ...string) *Table {
	return &Table{io: ios, header: header}
}

// Row adds a row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table to stdout.
func (t *Table) Render() error {
	out := t.io.Out
	if !t.io.IsStdoutTTY() {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(out, strings.Join(sanitize(r), "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	cs := t.io.ColorScheme()
	hdr := make([]string, len(t.header))
	for i, h := range t.header {
		hdr[i] = cs.Bold(strings.ToUpper(h))
	}
	lines := make([][]string, 0, len(t.rows)+1)
	lines = append(lines, hdr)
	for _, r := range t.rows {
		lines = append(lines, sanitize(r))
	}
	_, err := io.WriteString(out, alignColumns(lines, 2))
	return err
}

// alignColumns lays out cells in columns separated by at least gap spaces,
// padding by display width. The last cell of a line is not padded, so no
// line ends in spaces.
func alignColumns(lines [][]string, gap int) string {
	var widths []int
	for _, cells := range lines {
		for i, c := range cells {
			if i == len(cells)-1 {
				break
			}
			w := iostreams.DisplayWidth(c)
			if i == len(widths) {
				widths = append(widths, w)
			} else if w > widths[i] {
				widths[i] = w
			}
		}
	}
	var b strings.Builder
	for _, cells := range lines {
		for i, c := range cells {
			if i < len(cells)-1 {
				b.WriteString(iostreams.PadRight(c, widths[i]+gap))
			} else {
				b.WriteString(c)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

var cellReplacer = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

func sanitize(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		c = cellReplacer.Replace(c)
		if c == "" {
			c = "-"
		}
		out[i] = c
	}
	return out
}

// PrintFields prints "Key: value" lines for a detail view, the values
// aligned by display width.
func PrintFields(ios *iostreams.IOStreams, fields [][2]string) error {
	cs := ios.ColorScheme()
	lines := make([][]string, 0, len(fields))
	for _, kv := range fields {
		v := kv[1]
		if v == "" {
			v = "-"
		}
		lines = append(lines, []string{cs.Bold(kv[0] + ":"), v})
	}
	_, err := io.WriteString(ios.Out, alignColumns(lines, 2))
	return err
}

// PrintJSONLine writes v as one line of compact JSON (for streams a script
// reads line by line).
func PrintJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
