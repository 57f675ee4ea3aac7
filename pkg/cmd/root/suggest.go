package root

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/errkind"
)

// UsageError is a mistyped command or flag. Unknown top-level commands,
// unknown subcommands and unknown flags all end up here, so they read the
// same:
//
//	error: unknown command "lsit" for "tcb env"
//	Did you mean this?
//		list
//	hint: run `tcb env --help` for usage
//
// It exits with 3 (invalid input).
type UsageError struct {
	Msg         string
	Suggestions []string // closest valid spellings, best first
	CommandPath string   // the command whose usage helps
}

func (e *UsageError) Error() string { return e.Msg }

// ErrorKind is errkind.Input.
func (e *UsageError) ErrorKind() errkind.Kind { return errkind.Input }

// Hint points at the usage.
func (e *UsageError) Hint() string {
	return fmt.Sprintf("run `%s --help` for usage", e.CommandPath)
}

// Suggestion is the "Did you mean this?" block, or "" without suggestions.
func (e *UsageError) Suggestion() string {
	if len(e.Suggestions) == 0 {
		return ""
	}
	return "Did you mean this?\n\t" + strings.Join(e.Suggestions, "\n\t")
}

// UnknownCommandError is the error for an argument of cmd (a command group
// or the root) that names no subcommand.
func UnknownCommandError(cmd *cobra.Command, arg string) error {
	var cands []candidate
	for _, sub := range cmd.Commands() {
		if !sub.IsAvailableCommand() {
			continue
		}
		names := append([]string{sub.Name()}, sub.Aliases...)
		cands = append(cands, candidate{show: sub.Name(), names: names, exact: sub.SuggestFor})
	}
	return &UsageError{
		Msg:         fmt.Sprintf("unknown command %q for %q", arg, cmd.CommandPath()),
		Suggestions: suggest(arg, cands),
		CommandPath: cmd.CommandPath(),
	}
}

// FlagError turns a flag parsing error of cmd into the error to show: an
// unknown flag gets suggestions from the command's flags, local and
// inherited; anything else (a missing or invalid value) gets the usage
// hint.
func FlagError(cmd *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) {
		return cmdutil.FlagErrorf("%v", err).WithHint("run `%s --help` for usage", cmd.CommandPath())
	}
	if short := ne.GetSpecifiedShortnames(); short != "" {
		return &UsageError{
			Msg:         fmt.Sprintf("unknown shorthand flag -%s in -%s", ne.GetSpecifiedName(), short),
			CommandPath: cmd.CommandPath(),
		}
	}
	name := ne.GetSpecifiedName()
	var cands []candidate
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden || fl.Deprecated != "" {
			return
		}
		cands = append(cands, candidate{show: "--" + fl.Name, names: []string{fl.Name}})
	})
	return &UsageError{
		Msg:         fmt.Sprintf("unknown flag --%s", name),
		Suggestions: suggest(name, cands),
		CommandPath: cmd.CommandPath(),
	}
}

// candidate is something the user may have meant: shown as show, matched
// by any of names, and always suggested for the exact spellings in exact.
type candidate struct {
	show  string
	names []string
	exact []string
}

// suggest returns the candidates close to typed, closest first: within a
// small edit distance (insertions, deletions, substitutions and swaps of
// two neighbours each count one; at most 1 for words up to four letters,
// 2 beyond), or starting with what was typed. Case is ignored.
func suggest(typed string, cands []candidate) []string {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if typed == "" {
		return nil
	}
	maxDist := 2
	if len([]rune(typed)) <= 4 {
		maxDist = 1
	}
	type hit struct {
		show string
		dist int
	}
	best := map[string]int{}
	for _, c := range cands {
		d := -1
		for _, e := range c.exact {
			if strings.EqualFold(e, typed) {
				d = 0
			}
		}
		for _, n := range c.names {
			n = strings.ToLower(n)
			if n == typed {
				continue
			}
			nd := editDistance(typed, n)
			if nd > maxDist && len(typed) >= 2 && strings.HasPrefix(n, typed) {
				nd = maxDist // a prefix ranks after the close spellings' best
			}
			if nd <= maxDist && (d < 0 || nd < d) {
				d = nd
			}
		}
		if d < 0 {
			continue
		}
		if old, ok := best[c.show]; !ok || d < old {
			best[c.show] = d
		}
	}
	hits := make([]hit, 0, len(best))
	for s, d := range best {
		hits = append(hits, hit{s, d})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].dist != hits[j].dist {
			return hits[i].dist < hits[j].dist
		}
		return hits[i].show < hits[j].show
	})
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.show
	}
	return out
}

// editDistance is the optimal string alignment distance between a and b:
// Levenshtein plus transposition of two adjacent runes ("lsit" -> "list"
// is one edit).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: two back (for swaps), previous, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
