// Command benchrun runs a command repeatedly and reports its median and p90
// wall time and its peak resident memory, for scripts/bench.sh:
//
//	go run ./scripts/benchrun -n 50 -- tcb --version
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 30, "runs")
	warm := flag.Int("warmup", 3, "unmeasured warm-up runs")
	label := flag.String("label", "", "label for the report")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: benchrun [-n N] -- command [args...]")
		os.Exit(2)
	}
	var walls []time.Duration
	var maxRSS int64
	for i := 0; i < *warm+*n; i++ {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
			os.Exit(1)
		}
		d := time.Since(start)
		if i < *warm {
			continue
		}
		walls = append(walls, d)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	med := walls[len(walls)/2]
	p90 := walls[len(walls)*9/10]
	name := *label
	if name == "" {
		name = fmt.Sprint(args)
	}
	fmt.Printf("%-40s runs=%d median=%.2fms p90=%.2fms peak_rss=%.1fMiB\n", name, len(walls),
		float64(med.Microseconds())/1000, float64(p90.Microseconds())/1000, float64(maxRSS)/1024)
}
