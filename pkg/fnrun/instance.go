package fnrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Why an instance was killed by us (instance.reason).
const (
	reasonNone int32 = iota
	reasonTimeout
	reasonCanceled
	reasonClosed  // Pool.Close
	reasonStopped // idle expiry, eviction, old revision, RunOnce done
	reasonCrashed // died on its own; killed to clean up its process group
)

const (
	markerWait  = 2 * time.Second        // result received -> end marker on the log pipe
	exitWait    = 2 * time.Second        // fatal frame received -> process exit
	drainWait   = 500 * time.Millisecond // process gone -> log and frame pipes at EOF
	killWait    = 5 * time.Second        // SIGKILL sent -> process reaped
	oomSentinel = "JavaScript heap out of memory"
)

// startConfig is what starting an instance needs besides the Function.
type startConfig struct {
	nodePath     string // resolved
	nodeArgs     []string
	bootstrap    string
	baseEnv      []string
	startTimeout time.Duration
}

// instance is one node process serving one function, one invocation at a
// time.
type instance struct {
	box     *cgroupBox // nil: contained by the process group only
	pid     int
	proc    *os.Process
	reqW    *os.File
	environ *environ // function-visible variables (context.environ)
	node    string   // process.version

	timeout  *time.Timer // kills the instance when an invocation's time is up
	frames   chan *childMsg
	exited   chan struct{} // closed once the process is reaped
	logDone  chan struct{} // closed at EOF of the log pipe
	released chan struct{} // closed by close(): stop delivering frames
	reason   atomic.Int32
	crashed  atomic.Bool // sent a fatal frame while idle: about to exit
	waitErr  error
	relOnce  sync.Once

	mu      sync.Mutex // guards sink and pending
	sink    *logSink
	pending []byte

	// Pool bookkeeping, guarded by Pool.mu.
	gen       *generation
	lastUsed  time.Time
	discarded bool
}

// startInstance starts node with the bootstrap in fn.CodeDir and waits for
// it to be ready. Output before the first invocation goes to sink when set
// (RunOnce), else it is kept for the first invocation's log.
func startInstance(ctx context.Context, fn *Function, cfg *startConfig, sink *logSink) (*instance, error) {
	if st, err := os.Stat(fn.CodeDir); err != nil {
		return nil, fmt.Errorf("%w: code directory: %w", ErrStart, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%w: code directory %s is not a directory", ErrStart, fn.CodeDir)
	}
	env, environ := functionEnv(fn, cfg.baseEnv)
	args := make([]string, 0, len(cfg.nodeArgs)+3)
	args = append(args, cfg.nodePath)
	args = append(args, cfg.nodeArgs...)
	args = append(args, "--max-old-space-size="+strconv.Itoa(fn.memoryMB()), cfg.bootstrap)

	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return
	}
	reqR, reqW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	respR, respW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	logR, logW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	cmd := &exec.Cmd{
		Path:       cfg.nodePath,
		Args:       args,
		Dir:        fn.CodeDir,
		Env:        env,
		Stdout:     logW,
		Stderr:     logW,
		ExtraFiles: []*os.File{reqR, respW}, // fd 3, fd 4 in the child
	}
	setProcAttr(cmd)
	box := newBox(cmd)
	err = cmd.Start()
	if err != nil && box != nil {
		// A kernel without CLONE_INTO_CGROUP: start without the cgroup.
		box.detach(cmd)
		box = nil
		err = cmd.Start()
	}
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	box.started()
	afterStart(cmd.Process.Pid)
	reqR.Close()
	respW.Close()
	logW.Close()

	in := &instance{
		box:      box,
		pid:      cmd.Process.Pid,
		proc:     cmd.Process,
		reqW:     reqW,
		environ:  environ,
		frames:   make(chan *childMsg, 16),
		exited:   make(chan struct{}),
		logDone:  make(chan struct{}),
		released: make(chan struct{}),
		sink:     sink,
	}
	marker := newMarker()
	go in.readFrames(respR)
	go in.readLogs(logR, marker)
	go in.wait(cmd)

	fail := func(why string) (*instance, error) {
		in.close(reasonStopped)
		in.awaitExit()
		waitClosed(in.logDone, drainWait)
		in.mu.Lock()
		out := strings.TrimSpace(string(in.pending))
		in.mu.Unlock()
		if out == "" && sink != nil {
			out = strings.TrimSpace(sink.log())
		}
		if out != "" {
			why += ": " + out
		}
		return nil, fmt.Errorf("%w: node (pid %d): %s", ErrStart, in.pid, why)
	}

	frame, err := encodeFrame(initMsg{Type: "init", Marker: string(marker)})
	if err == nil {
		_, err = reqW.Write(frame)
	}
	if err != nil {
		return fail("send init: " + err.Error())
	}
	timeout := cfg.startTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m, ok := <-in.frames:
		if ok && m.Type == "ready" {
			in.node = m.Node
			return in, nil
		}
		return fail("unexpected first message from the bootstrap")
	case <-in.exited:
		return fail("exited during start (" + exitText(in.waitErr) + ")")
	case <-timer.C:
		return fail("not ready after " + timeout.String())
	case <-ctx.Done():
		in.close(reasonCanceled)
		in.awaitExit()
		return nil, fmt.Errorf("fnrun: start canceled: %w", context.Cause(ctx))
	}
}

func (in *instance) readFrames(r *os.File) {
	defer close(in.frames)
	defer r.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		m, err := readFrame(br)
		if err != nil {
			return
		}
		if m.Type == "fatal" && m.ID == "" {
			in.crashed.Store(true)
		}
		select {
		case in.frames <- m:
		case <-in.released:
			return
		}
	}
}

func (in *instance) readLogs(r *os.File, marker []byte) {
	defer close(in.logDone)
	defer r.Close()
	sc := markerScanner{marker: marker}
	emit := func(p []byte) {
		in.mu.Lock()
		if in.sink != nil {
			in.sink.write(p)
		} else if room := pendingKeep - len(in.pending); room > 0 {
			in.pending = append(in.pending, p[:min(room, len(p))]...)
		}
		in.mu.Unlock()
	}
	found := func() {
		in.mu.Lock()
		if in.sink != nil {
			in.sink.markDone()
		}
		in.mu.Unlock()
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			sc.feed(buf[:n], emit, found)
		}
		if err != nil {
			sc.flush(emit)
			return
		}
	}
}

func (in *instance) wait(cmd *exec.Cmd) {
	err := cmd.Wait()
	in.waitErr = err
	in.reqW.Close()
	if in.reason.Load() == reasonNone {
		// Died on its own: take any processes it started with it (the
		// process group outlives its leader).
		in.reason.CompareAndSwap(reasonNone, reasonCrashed)
		killGroupOnly(in.pid)
	}
	in.box.destroy() // detached processes too
	close(in.exited)
}

// kill kills the instance's process tree; the first reason sticks.
func (in *instance) kill(reason int32) {
	in.reason.CompareAndSwap(reasonNone, reason)
	select {
	case <-in.exited:
	default:
		killTree(in.proc)
		in.box.killAll()
	}
}

// close kills the instance and stops its frame delivery.
func (in *instance) close(reason int32) {
	in.kill(reason)
	in.relOnce.Do(func() { close(in.released) })
}

func (in *instance) dead() bool {
	select {
	case <-in.exited:
		return true
	default:
		return in.reason.Load() != reasonNone || in.crashed.Load()
	}
}

func (in *instance) awaitExit() {
	if !waitClosed(in.exited, killWait) {
		killTree(in.proc)
		<-in.exited
	}
}

func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit code 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.ExitCode() >= 0 {
			return "exit code " + strconv.Itoa(ee.ExitCode())
		}
		return strings.TrimPrefix(ee.Error(), "signal: ")
	}
	return err.Error()
}

// invoke runs one invocation. The returned error is set only when there is
// no Result: the context was canceled or the pool closed.
func (in *instance) invoke(ctx context.Context, fn *Function, event []byte, reqID string, opts *InvokeOptions, sink *logSink) (*Result, error) {
	start := time.Now()
	res := &Result{RequestID: reqID, PID: in.pid}
	timeout := fn.timeout()
	vars := invocationVars(opts)
	frame := encodeInvoke(reqID, event, &invokeContext{
		RequestID:       reqID,
		RequestIDCamel:  reqID,
		FunctionName:    fn.Name,
		FunctionVersion: fn.version(),
		Namespace:       fn.Namespace,
		MemoryLimitInMB: fn.memoryMB(),
		TimeLimitInMS:   timeout.Milliseconds(),
		Environ:         environString(in.environ, vars),
	}, vars)
	// Frames left from a crash while idle belong to no one.
	for drained := false; !drained; {
		select {
		case <-in.frames:
		default:
			drained = true
		}
	}
	in.mu.Lock()
	if len(in.pending) > 0 && in.sink != sink {
		sink.write(in.pending)
		in.pending = nil
	}
	in.sink = sink
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.sink = nil
		in.mu.Unlock()
	}()

	if in.timeout == nil {
		in.timeout = time.AfterFunc(timeout, func() { in.kill(reasonTimeout) })
	} else {
		in.timeout.Reset(timeout)
	}
	var got *childMsg
	if _, err := in.reqW.Write(frame); err == nil {
		done := ctx.Done()
	wait:
		for {
			select {
			case m, ok := <-in.frames:
				if !ok {
					break wait
				}
				if m.ID == reqID && (m.Type == "result" || m.Type == "fatal") {
					got = m
					break wait
				}
			case <-in.exited:
				break wait
			case <-done:
				// Canceled: the instance is killed; its exit ends the wait.
				in.kill(reasonCanceled)
				done = nil
			}
		}
	}
	in.timeout.Stop()

	if got != nil && got.Type == "result" {
		// The end marker follows all of the invocation's output (usually
		// seen already: the child writes it before the result).
		select {
		case <-sink.done:
		default:
			t := time.NewTimer(markerWait)
			select {
			case <-sink.done:
			case <-in.exited:
				waitClosed(in.logDone, drainWait)
			case <-t.C:
			}
			t.Stop()
		}
		// What the invocation started and left running ends with it.
		in.box.sweep(in.pid)
		res.Log, res.LogTail = sink.log(), sink.logTail()
		res.MemUsage = got.RSS
		res.setDuration(got.Duration)
		res.WallTime = time.Since(start)
		if got.Status == StatusOK {
			res.StatusCode = StatusOK
			res.RetMsg = string(got.Ret)
			if res.RetMsg == "" {
				res.RetMsg = "null"
			}
			return res, nil
		}
		e := got.Error
		if e == nil {
			e = &childError{Message: "unknown error"}
		}
		status := got.Status
		switch status {
		case StatusResponseTooLarge, StatusUserCodeException, StatusHandlerNotFound:
		default:
			status = StatusUserCodeException
		}
		res.fail(status, e.Message, e.Stack)
		return res, nil
	}

	// The instance is dying or dead.
	if got != nil {
		// A fatal frame: the child exits by itself right after it.
		if !waitClosed(in.exited, exitWait) {
			in.kill(reasonCrashed)
		}
	} else {
		// The protocol broke down (the child died, or closed or corrupted
		// its pipe): it cannot report any more.
		in.kill(reasonCrashed)
	}
	in.awaitExit()
	waitClosed(in.logDone, drainWait)
	if got == nil {
		// A fatal frame may still be in the pipe.
		t := time.NewTimer(drainWait)
	drain:
		for {
			select {
			case m, ok := <-in.frames:
				if !ok {
					break drain
				}
				if m.ID == reqID && m.Type == "fatal" && (got == nil || got.Kind == "exit") {
					got = m
				}
			case <-t.C:
				break drain
			}
		}
		t.Stop()
	}
	res.Log, res.LogTail = sink.log(), sink.logTail()
	wall := time.Since(start)
	res.WallTime = wall
	switch in.reason.Load() {
	case reasonCanceled:
		return nil, fmt.Errorf("fnrun: invocation canceled: %w", context.Cause(ctx))
	case reasonClosed:
		return nil, ErrPoolClosed
	case reasonTimeout:
		res.setDuration(float64(timeout.Microseconds()) / 1000)
		res.fail(StatusTimeLimitReached, fmt.Sprintf("Invoking task timed out after %s seconds",
			strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64)), "")
		return res, nil
	}
	res.setDuration(float64(wall.Microseconds()) / 1000)
	if sink.tailContains(oomSentinel) {
		res.MemUsage = int64(fn.memoryMB()) << 20
		res.fail(StatusMemoryLimitReached, fmt.Sprintf(
			"Memory limit reached: the function exceeded its %d MB (%s)", fn.memoryMB(), oomSentinel), "")
		return res, nil
	}
	msg := "process exited before the invocation completed (" + exitText(in.waitErr) + ")"
	stack := ""
	if got != nil && got.Error != nil {
		msg = fmt.Sprintf("process exited before the invocation completed: %s: %s", got.Kind, got.Error.Message)
		stack = got.Error.Stack
	}
	res.fail(StatusProcessExited, msg, stack)
	return res, nil
}
