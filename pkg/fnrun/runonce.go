package fnrun

import (
	"context"
	"time"
)

// RunOnce starts a fresh instance of fn, invokes it once with event and
// stops it: what `tcb fn run` does. Output is streamed to
// opts.LogWriter as it happens (from node's start on, so a debugger's
// "Debugger listening" line shows up) and also returned, capped, in
// Result.Log. Errors are as for Pool.Invoke.
func RunOnce(ctx context.Context, fn Function, event []byte, opts RunOptions) (*Result, error) {
	start := time.Now()
	if !IsNodeRuntime(fn.Runtime) {
		return nil, &UnsupportedRuntimeError{Runtime: fn.Runtime}
	}
	event, err := checkEvent(event)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	node, err := LookNode(opts.NodePath)
	if err != nil {
		return nil, err
	}
	boot, err := bootstrapPath()
	if err != nil {
		return nil, err
	}
	cfg := &startConfig{
		nodePath:     node,
		nodeArgs:     opts.NodeArgs,
		bootstrap:    boot,
		baseEnv:      opts.BaseEnv,
		startTimeout: opts.StartTimeout,
	}
	sink := newLogSink(opts.MaxLogBytes, opts.LogWriter)
	in, err := startInstance(ctx, &fn, cfg, sink)
	if err != nil {
		return nil, err
	}
	defer func() {
		in.close(reasonStopped)
		in.awaitExit()
	}()
	reqID := opts.RequestID
	if reqID == "" {
		reqID = NewRequestID()
	}
	res, err := in.invoke(ctx, &fn, event, reqID, &opts.InvokeOptions, sink)
	if res != nil {
		res.ColdStart = true
		res.WallTime = time.Since(start)
	}
	return res, err
}
