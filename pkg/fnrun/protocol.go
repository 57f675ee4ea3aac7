package fnrun

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/tcb-go/tcb/internal/jsonstr"
)

// Frames on the protocol pipes: a 4-byte big-endian length, then JSON.
const maxFrame = 64 << 20

// initMsg is the first frame Go sends; the child answers "ready".
type initMsg struct {
	Type   string `json:"type"` // "init"
	Marker string `json:"marker"`
}

// invokeMsg asks the child to run the handler once (encodeInvoke writes
// it).
type invokeMsg struct {
	Type    string             `json:"type"` // "invoke"
	ID      string             `json:"id"`
	Event   json.RawMessage    `json:"event"`
	Context invokeContext      `json:"context"`
	Vars    map[string]*string `json:"vars"` // this invocation's variables: value or null (unset)
}

// invokeContext is the handler's context argument (getRemainingTimeInMillis
// and callbackWaitsForEmptyEventLoop are added in the child).
type invokeContext struct {
	RequestID       string `json:"request_id"`
	RequestIDCamel  string `json:"requestId"`
	FunctionName    string `json:"function_name"`
	FunctionVersion string `json:"function_version"`
	Namespace       string `json:"namespace"`
	MemoryLimitInMB int    `json:"memory_limit_in_mb"`
	TimeLimitInMS   int64  `json:"time_limit_in_ms"`
	Environ         string `json:"environ"`
}

// childMsg is any frame from the child.
type childMsg struct {
	Type     string          `json:"type"` // ready | result | fatal
	ID       string          `json:"id"`
	PID      int             `json:"pid"`    // ready
	Node     string          `json:"node"`   // ready: process.version
	Status   int             `json:"status"` // result: 200, 407, 430, 437
	Ret      json.RawMessage `json:"ret"`    // result: JSON of the return value
	Error    *childError     `json:"error"`  // result (failure), fatal
	Duration float64         `json:"duration"`
	RSS      int64           `json:"rss"`
	Kind     string          `json:"kind"` // fatal: uncaughtException | unhandledRejection | exit
	Code     *int            `json:"code"` // fatal "exit": the exit code
}

type childError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
}

func encodeFrame(v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(frame, uint32(len(body)))
	copy(frame[4:], body)
	return frame, nil
}

// encodeInvoke is encodeFrame(invokeMsg{...}) without reflection, for an
// event already checked to be JSON (checkEvent): the event is copied into
// the frame as it is instead of being scanned and compacted again, and the
// strings are escaped as encoding/json escapes them. vars are sorted by
// name (as encoding/json sorts a map's keys); an unset one is null.
func encodeInvoke(id string, event []byte, ctx *invokeContext, vars []invVar) []byte {
	n := 256 + len(id)*3 + len(event) + len(ctx.FunctionName) + len(ctx.FunctionVersion) + len(ctx.Namespace) + len(ctx.Environ)
	for _, v := range vars {
		n += len(v.key) + len(v.val) + 8
	}
	b := make([]byte, 4, 4+n+n/8)
	b = append(b, `{"type":"invoke","id":`...)
	b = jsonstr.Append(b, id)
	b = append(b, `,"event":`...)
	b = append(b, event...)
	b = append(b, `,"context":{"request_id":`...)
	b = jsonstr.Append(b, ctx.RequestID)
	b = append(b, `,"requestId":`...)
	b = jsonstr.Append(b, ctx.RequestIDCamel)
	b = append(b, `,"function_name":`...)
	b = jsonstr.Append(b, ctx.FunctionName)
	b = append(b, `,"function_version":`...)
	b = jsonstr.Append(b, ctx.FunctionVersion)
	b = append(b, `,"namespace":`...)
	b = jsonstr.Append(b, ctx.Namespace)
	b = append(b, `,"memory_limit_in_mb":`...)
	b = strconv.AppendInt(b, int64(ctx.MemoryLimitInMB), 10)
	b = append(b, `,"time_limit_in_ms":`...)
	b = strconv.AppendInt(b, ctx.TimeLimitInMS, 10)
	b = append(b, `,"environ":`...)
	b = jsonstr.Append(b, ctx.Environ)
	b = append(b, `},"vars":{`...)
	for i, v := range vars {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, v.key)
		b = append(b, ':')
		if v.unset {
			b = append(b, "null"...)
		} else {
			b = jsonstr.Append(b, v.val)
		}
	}
	b = append(b, "}}"...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func readFrame(r *bufio.Reader) (*childMsg, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, errors.New("fnrun: protocol frame too large")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	m := new(childMsg)
	if err := json.Unmarshal(body, m); err != nil {
		return nil, err
	}
	return m, nil
}

// NewRequestID returns a random UUID (version 4), the shape of SCF request ids.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
