package shared

import (
	"context"
	"fmt"
	"strconv"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/dbquery"
)

// ChooseCollection asks which of the env's collections, with their
// document counts.
func ChooseCollection(ctx context.Context, f *cmdutil.Factory, t *Target, flag string) (string, error) {
	var all []database.Collection
	const page = 100
	err := f.IOStreams.RunWithProgress("Listing collections", func() error {
		for off := int64(0); ; off += page {
			cs, total, err := t.Backend.ListCollections(ctx, page, off)
			if err != nil {
				return err
			}
			all = append(all, cs...)
			if len(cs) < page || int64(len(all)) >= total {
				return nil
			}
		}
	})
	if err != nil {
		return "", cmdutil.CallError("listing collections", err)
	}
	rows := make([][]string, len(all))
	for i, c := range all {
		rows[i] = []string{c.Name, strconv.FormatInt(c.Count, 10) + " docs"}
	}
	i, err := f.Choose("Collection", flag, cmdutil.Columns(rows), 0)
	if err != nil {
		return "", err
	}
	return all[i].Name, nil
}

// AskStatement asks for a statement on a terminal, starting from text;
// a statement that does not parse (or runs an action not allowed) is
// reported and offered again for editing, until it parses or the user
// presses Ctrl-C.
func AskStatement(f *cmdutil.Factory, text string, allowed ...dbquery.Action) (string, *dbquery.Query, error) {
	for {
		s, err := f.Prompter.EditLine("Statement", text)
		if err != nil {
			return "", nil, err
		}
		q, err := ParseStatement(f, s, allowed...)
		if err == nil {
			return s, q, nil
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "%s %v\n", f.IOStreams.ErrColorScheme().WarningIcon(), err)
		text = s
	}
}

// ExplainOnError adds the MongoDB form of q (what --explain prints) to
// stderr after a failed statement, so the user sees what was sent.
func ExplainOnError(f *cmdutil.Factory, q *dbquery.Query) {
	b, err := q.Explain()
	if err != nil {
		return
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "The statement as sent (--explain):\n%s\n", b)
}
