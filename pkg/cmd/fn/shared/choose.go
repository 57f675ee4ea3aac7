package shared

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
)

// listFunctions lists the env's functions for a select.
func listFunctions(ctx context.Context, f *cmdutil.Factory) ([]cloudapi.Function, []string, error) {
	client, envID, err := f.CloudTarget()
	if err != nil {
		return nil, nil, err
	}
	var fns []cloudapi.Function
	err = f.IOStreams.RunWithProgress("Listing functions", func() error {
		fns, err = client.ListFunctions(ctx, envID)
		return err
	})
	if err != nil {
		return nil, nil, cmdutil.Wrap("listing functions", err)
	}
	rows := make([][]string, len(fns))
	for i, fn := range fns {
		rows[i] = []string{fn.FunctionName, fn.Runtime, fn.Status}
	}
	return fns, cmdutil.Columns(rows), nil
}

// ChooseFunction asks which of the env's functions (ListFunctions) on a
// terminal; elsewhere it fails with usage (exit 3), as a missing NAME
// argument always has.
func ChooseFunction(ctx context.Context, f *cmdutil.Factory, usage string) (string, error) {
	if !f.IOStreams.CanPrompt() {
		return "", cmdutil.FlagErrorf("%s", usage)
	}
	fns, options, err := listFunctions(ctx, f)
	if err != nil {
		return "", err
	}
	if len(fns) == 0 {
		return "", cmdutil.FlagErrorf("%s: the environment has no functions", usage).WithHint("deploy one with `tcb fn deploy NAME`")
	}
	i, err := f.Prompter.Select("Function", options, 0)
	if err != nil {
		return "", err
	}
	return fns[i].FunctionName, nil
}

// ChooseFunctions asks for any number of the env's functions, none
// preselected; picking none is a cancellation.
func ChooseFunctions(ctx context.Context, f *cmdutil.Factory, usage string) ([]string, error) {
	if !f.IOStreams.CanPrompt() {
		return nil, cmdutil.FlagErrorf("%s", usage)
	}
	fns, options, err := listFunctions(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(fns) == 0 {
		return nil, cmdutil.FlagErrorf("%s: the environment has no functions", usage)
	}
	idx, err := f.Prompter.MultiSelect("Functions (space to pick, enter to go on)", options, nil)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, cmdutil.Errorf("no function picked: nothing to do")
	}
	names := make([]string, len(idx))
	for i, j := range idx {
		names[i] = fns[j].FunctionName
	}
	return names, nil
}

// AskEvent asks on a terminal for the event of an invocation: the
// function's params from the project (when it has some), an event
// written in $EDITOR (starting from those params or an empty object), or
// {}. The event is checked to be a JSON object before it is returned;
// invalid JSON reopens the editor or, declined, fails with exit 3.
func AskEvent(f *cmdutil.Factory, name string, params json.RawMessage) ([]byte, error) {
	const (
		useParams = "the params in the project config: "
		useEditor = "write the event in $EDITOR"
		useEmpty  = "an empty event {}"
	)
	var options []string
	if len(params) > 0 {
		options = append(options, useParams+short(params))
	}
	options = append(options, useEditor, useEmpty)
	i, err := f.Prompter.Select(fmt.Sprintf("Event for %s", name), options, 0)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(options[i], useParams):
		return params, nil
	case options[i] == useEmpty:
		return []byte("{}"), nil
	}
	text := "{\n  \n}\n"
	if len(params) > 0 {
		if b, err := json.MarshalIndent(json.RawMessage(params), "", "  "); err == nil {
			text = string(b) + "\n"
		}
	}
	for {
		text, err = f.Prompter.Editor("Event (JSON)", text, ".json")
		if err != nil {
			return nil, err
		}
		err := CheckEvent([]byte(text))
		if err == nil {
			return []byte(strings.TrimSpace(text)), nil
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "%s the event is not valid: %v\n", f.IOStreams.ErrColorScheme().WarningIcon(), err)
		again, cerr := f.Prompter.Confirm("Edit it again?", true)
		if cerr != nil {
			return nil, cerr
		}
		if !again {
			return nil, cmdutil.FlagErrorf("the event is not valid JSON: %v (nothing was sent)", err).WithHint("pass the event with --params")
		}
	}
}

// CheckEvent checks that b is one JSON value (what --params accepts).
func CheckEvent(b []byte) error {
	if json.Valid(b) {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return fmt.Errorf("not one JSON value")
}

// short is compact JSON cut to fit a select line.
func short(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		b.Reset()
		b.Write(raw)
	}
	s := b.String()
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}
