package shared

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// Format is how documents are printed.
type Format int

const (
	// FormatAuto is a table on a terminal and JSON Lines otherwise.
	FormatAuto Format = iota
	FormatJSON
	FormatJSONL
)

// DocFormat picks the format from --json/--jq and --jsonl.
func DocFormat(f *cmdutil.Factory, jsonl bool) (Format, error) {
	if jsonl && (f.Globals.JSON || f.Globals.JQ != "") {
		return 0, cmdutil.FlagErrorf("--jsonl and --json/--jq are mutually exclusive")
	}
	switch {
	case jsonl:
		return FormatJSONL, nil
	case f.WantsJSON():
		return FormatJSON, nil
	}
	return FormatAuto, nil
}

// PrintDocs prints documents in the chosen format.
func PrintDocs(f *cmdutil.Factory, docs []*dbquery.Document, format Format) error {
	ios := f.IOStreams
	switch {
	case format == FormatJSON:
		arr := make([]json.RawMessage, len(docs))
		for i, d := range docs {
			b, err := dbquery.EncodeDocument(d)
			if err != nil {
				return err
			}
			arr[i] = b
		}
		return cmdutil.PrintJSON(ios.Out, arr, f.Globals.JQ)
	case format == FormatJSONL || !ios.IsStdoutTTY():
		w := bufio.NewWriter(ios.Out)
		for _, d := range docs {
			b, err := dbquery.EncodeDocument(d)
			if err != nil {
				return err
			}
			w.Write(b)
			w.WriteByte('\n')
		}
		return w.Flush()
	}
	if len(docs) == 0 {
		fmt.Fprintln(ios.ErrOut, "No documents.")
		return nil
	}
	var cols []string
	seen := map[string]bool{}
	for _, d := range docs {
		for _, k := range d.Keys() {
			if !seen[k] && len(cols) < 10 {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	t := cmdutil.NewTable(ios, cols...)
	for _, d := range docs {
		row := make([]string, len(cols))
		for i, c := range cols {
			if v, ok := d.Get(c); ok {
				row[i] = cell(v)
			}
		}
		t.Row(row...)
	}
	return t.Render()
}

func cell(v dbquery.Value) string {
	var s string
	if str, ok := v.(string); ok {
		s = str
	} else if b, err := dbquery.EncodeValue(v); err == nil {
		s = string(b)
	} else {
		s = fmt.Sprint(v)
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "…"
	}
	return strings.TrimSpace(s)
}

// PrintCount prints a count: the number, or {"count": n} with --json.
func PrintCount(f *cmdutil.Factory, n int64) error {
	if f.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]int64{"count": n}, f.Globals.JQ)
	}
	_, err := fmt.Fprintln(f.IOStreams.Out, n)
	return err
}
