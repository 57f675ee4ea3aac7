package iostreams

import (
	"fmt"

	"github.com/fatih/color"
)

// ColorScheme paints text when color is enabled for these streams and leaves
// it untouched otherwise. It never consults fatih/color's global switch, which
// only looks at stdout.
type ColorScheme struct {
	enabled bool
	green   *color.Color
	red     *color.Color
	yellow  *color.Color
	cyan    *color.Color
	gray    *color.Color
	bold    *color.Color
}

// ColorScheme returns the scheme for what is written to Out (colors when
// stdout is a terminal). For ErrOut use ErrColorScheme.
func (s *IOStreams) ColorScheme() *ColorScheme {
	return NewColorScheme(s.colorEnabled)
}

// ErrColorScheme is the scheme for what is written to ErrOut: it colors
// when stderr is a terminal, whatever stdout is.
func (s *IOStreams) ErrColorScheme() *ColorScheme {
	return NewColorScheme(s.errColorEnabled)
}

// NewColorScheme builds a scheme that colors only when enabled is true.
func NewColorScheme(enabled bool) *ColorScheme {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return &ColorScheme{
		enabled: enabled,
		green:   mk(color.FgGreen),
		red:     mk(color.FgRed),
		yellow:  mk(color.FgYellow),
		cyan:    mk(color.FgCyan),
		gray:    mk(color.FgHiBlack),
		bold:    mk(color.Bold),
	}
}

func (c *ColorScheme) Enabled() bool          { return c.enabled }
func (c *ColorScheme) Green(s string) string  { return c.green.Sprint(s) }
func (c *ColorScheme) Red(s string) string    { return c.red.Sprint(s) }
func (c *ColorScheme) Yellow(s string) string { return c.yellow.Sprint(s) }
func (c *ColorScheme) Cyan(s string) string   { return c.cyan.Sprint(s) }
func (c *ColorScheme) Gray(s string) string   { return c.gray.Sprint(s) }
func (c *ColorScheme) Bold(s string) string   { return c.bold.Sprint(s) }

// SuccessIcon is a green check mark.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }

// FailureIcon is a red cross.
func (c *ColorScheme) FailureIcon() string { return c.Red("✗") }

// WarningIcon is a yellow exclamation mark.
func (c *ColorScheme) WarningIcon() string { return c.Yellow("!") }

// Status colors a cloud status word: ready states green, transitional
// states yellow, failures red.
func (c *ColorScheme) Status(s string) string {
	switch s {
	case "NORMAL", "Active", "RUNNING", "online", "Available", "ok", "success":
		return c.Green(s)
	case "INITIALIZING", "Creating", "Updating", "Deleting", "Publishing", "process", "init":
		return c.Yellow(s)
	case "UNAVAILABLE", "CreateFailed", "UpdateFailed", "DeleteFailed", "ISOLATE", "ABNORMAL", "failed", "error":
		return c.Red(s)
	}
	return s
}

// Sprintf formats like fmt.Sprintf; handy next to the color helpers.
func (c *ColorScheme) Sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
