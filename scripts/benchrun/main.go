// Command benchrun runs a command repeatedly and reports its median and p90
// wall time and its peak resident memory, for scripts/bench.sh:
//
//	go run ./scripts/benchrun -n 50 -- tcb --version
//
// Several commands separated by "::" are run interleaved (one run of each
// per round, in turn), so a slow moment of a shared machine falls on all of
// them alike, and each is reported with its ratio to the first one, the
// baseline: the ratio of the median wall times and, steadier on a busy
// machine, of the median CPU times (user+system). -label may be given once
// per command:
//
//	go run ./scripts/benchrun -n 21 -label base -label tcb -- base --version :: tcb --version
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type labels []string

func (l *labels) String() string     { return strings.Join(*l, ", ") }
func (l *labels) Set(v string) error { *l = append(*l, v); return nil }

type result struct {
	label  string
	args   []string
	walls  []time.Duration
	cpus   []time.Duration
	maxRSS int64
}

func main() {
	n := flag.Int("n", 30, "runs")
	warm := flag.Int("warmup", 3, "unmeasured warm-up runs")
	var names labels
	flag.Var(&names, "label", "label for the report (once per command)")
	flag.Parse()
	cmds := split(flag.Args())
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: benchrun [-n N] [-label L]... -- command [args...] [:: command [args...]]...")
		os.Exit(2)
	}
	results := make([]*result, len(cmds))
	for i, args := range cmds {
		name := strings.Join(args, " ")
		if i < len(names) {
			name = names[i]
		}
		results[i] = &result{label: name, args: args}
	}
	for round := 0; round < *warm+*n; round++ {
		for k := range results {
			// Rotate the order each round: no command always runs
			// right after another one.
			r := results[(k+round)%len(results)]
			d, cpu, rss := run(r.args)
			if round < *warm {
				continue
			}
			r.walls = append(r.walls, d)
			r.cpus = append(r.cpus, cpu)
			r.maxRSS = max(r.maxRSS, rss)
		}
	}
	base, baseCPU := median(results[0].walls), median(results[0].cpus)
	for i, r := range results {
		slices.Sort(r.walls)
		med, cpu := median(r.walls), median(r.cpus)
		p90 := r.walls[len(r.walls)*9/10]
		line := fmt.Sprintf("%-40s runs=%d median=%.2fms p90=%.2fms cpu=%.2fms peak_rss=%.1fMiB", r.label, len(r.walls),
			ms(med), ms(p90), ms(cpu), float64(r.maxRSS)/1024)
		if len(results) > 1 {
			if i == 0 {
				line += " (baseline)"
			} else {
				line += fmt.Sprintf(" ratio=%.2fx cpu_ratio=%.2fx", float64(med)/float64(base), float64(cpu)/float64(baseCPU))
			}
		}
		fmt.Println(line)
	}
}

// split cuts the arguments into commands at each "::".
func split(args []string) [][]string {
	var cmds [][]string
	for len(args) > 0 {
		i := slices.Index(args, "::")
		if i < 0 {
			i = len(args)
		}
		if i > 0 {
			cmds = append(cmds, args[:i])
		}
		args = args[min(i+1, len(args)):]
	}
	return cmds
}

func run(args []string) (wall, cpu time.Duration, maxRSS int64) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %s: %v\n", strings.Join(args, " "), err)
		os.Exit(1)
	}
	wall = time.Since(start)
	cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss
	}
	return wall, cpu, maxRSS
}

func median(walls []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(walls))
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
