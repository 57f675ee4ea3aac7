package cmdutil

import (
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/iostreams"
)

// columnStarts returns the display column at which each of the given
// substrings starts on a printed line (escape codes stripped).
func columnStarts(t *testing.T, line string, cells ...string) []int {
	t.Helper()
	plain := iostreams.StripANSI(line)
	var cols []int
	from := 0
	for _, c := range cells {
		i := strings.Index(plain[from:], c)
		if i < 0 {
			t.Fatalf("%q not found in %q", c, plain)
		}
		cols = append(cols, iostreams.DisplayWidth(plain[:from+i]))
		from += i + len(c)
	}
	return cols
}

func TestTableAlignsColoredAndWideCellsOnATerminal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	cs := ios.ColorScheme()
	tb := NewTable(ios, "Alias", "EnvId", "Package", "Status", "Region")
	tb.Row("测试环境", "test-a1b2c3", "个人版", cs.Status("NORMAL"), "ap-shanghai")
	tb.Row("demo", "demo-x9y8z7", "Basic", cs.Status("INITIALIZING"), "ap-guangzhou")
	tb.Row("ｆｕｌｌ", "full-000001", "", cs.Status("UNAVAILABLE"), "ap-beijing")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\x1b[32mNORMAL\x1b[0m") {
		t.Fatalf("no color in %q", out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines: %q", len(lines), out.String())
	}
	want := columnStarts(t, lines[0], "ALIAS", "ENVID", "PACKAGE", "STATUS", "REGION")
	if want[1] != len("ｆｕｌｌ")/3*2+2 { // the widest alias is 8 columns, then a 2-column gap
		t.Errorf("ENVID starts at column %d in %q", want[1], lines[0])
	}
	for i, cells := range [][]string{
		{"测试环境", "test-a1b2c3", "个人版", "NORMAL", "ap-shanghai"},
		{"demo", "demo-x9y8z7", "Basic", "INITIALIZING", "ap-guangzhou"},
		{"ｆｕｌｌ", "full-000001", "-", "UNAVAILABLE", "ap-beijing"},
	} {
		got := columnStarts(t, lines[i+1], cells...)
		for c := range got {
			if got[c] != want[c] {
				t.Errorf("row %d column %d starts at %d, header at %d:\n%s\n%s", i, c, got[c], want[c],
					iostreams.StripANSI(lines[0]), iostreams.StripANSI(lines[i+1]))
			}
		}
		if strings.HasSuffix(lines[i+1], " ") {
			t.Errorf("row %d ends in spaces: %q", i, lines[i+1])
		}
	}
}

func TestTableWithoutATerminalIsTabSeparated(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	tb := NewTable(ios, "Alias", "Status")
	tb.Row("测试环境", "NORMAL")
	tb.Row("two\twords", "")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "测试环境\tNORMAL\ntwo words\t-\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPrintFieldsAlignsByDisplayWidth(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	if err := PrintFields(ios, [][2]string{{"Alias", "测试环境"}, {"CreateTime", "2026-12-05 11:02:03 CST"}, {"Empty", ""}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	a := columnStarts(t, lines[0], "Alias:", "测试环境")
	b := columnStarts(t, lines[1], "CreateTime:", "2026")
	c := columnStarts(t, lines[2], "Empty:", "-")
	if a[1] != b[1] || b[1] != c[1] || b[1] != len("CreateTime:")+2 {
		t.Fatalf("values not aligned (%d %d %d):\n%s", a[1], b[1], c[1], iostreams.StripANSI(out.String()))
	}
}
