package wxapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Width limits of getwxacodeunlimit (pixels); widths outside are clamped.
const (
	WxaCodeMinWidth     = 280
	WxaCodeMaxWidth     = 1280
	WxaCodeDefaultWidth = 430
	// MaxSceneLength is the longest scene, in characters.
	MaxSceneLength = 32
)

// sceneChars are the characters a scene may hold besides letters and
// digits.
const sceneChars = "!#$&'()*+,/:;=?@-._~"

// flexInt is a JSON number or a string holding one (clients send both).
type flexInt struct {
	set bool
	v   int
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		b = []byte(strings.TrimSpace(s))
	}
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil || n != math.Trunc(n) || math.Abs(n) > 1<<20 {
		return fmt.Errorf("not an integer: %s", b)
	}
	f.set, f.v = true, int(n)
	return nil
}

type wxaCodeRequest struct {
	Scene      string  `json:"scene"`
	Page       string  `json:"page"`
	CheckPath  *bool   `json:"check_path"`
	EnvVersion string  `json:"env_version"`
	Width      flexInt `json:"width"`
	AutoColor  bool    `json:"auto_color"`
	LineColor  *struct {
		R flexInt `json:"r"`
		G flexInt `json:"g"`
		B flexInt `json:"b"`
	} `json:"line_color"`
	IsHyaline bool `json:"is_hyaline"`
}

// handleWxaCodeUnlimit serves POST /wxa/getwxacodeunlimit: a PNG of the
// requested width (clamped to 280-1280, default 430), a circular pattern
// drawn from the scene, page and env_version, with the three as PNG tEXt
// chunks ("scene", "page", "env_version") so tests can read them back.
// Errors are JSON like every other API.
func (m *Module) handleWxaCodeUnlimit(w http.ResponseWriter, r *http.Request) {
	const path = PathWxaCodeUnlimit
	appid, ok := m.begin(w, r, path)
	if !ok {
		return
	}
	var req wxaCodeRequest
	if !m.readBody(w, r, path, appid, &req) {
		return
	}
	if e := checkWxaCode(&req); e != nil {
		m.answer(w, r, path, appid, e)
		return
	}
	width := WxaCodeDefaultWidth
	if req.Width.set {
		width = min(max(req.Width.v, WxaCodeMinWidth), WxaCodeMaxWidth)
	}
	seed := sha256.Sum256([]byte(req.Scene + "\x00" + req.Page + "\x00" + req.EnvVersion))
	fg := color.RGBA{A: 0xff}
	switch {
	case req.AutoColor:
		// A dark color of the code's own.
		fg.R, fg.G, fg.B = seed[0]%128, seed[1]%128, seed[2]%128
	case req.LineColor != nil:
		fg.R, fg.G, fg.B = uint8(req.LineColor.R.v), uint8(req.LineColor.G.v), uint8(req.LineColor.B.v)
	}
	img := renderWxaCode(width, seed, fg, req.IsHyaline)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		m.answer(w, r, path, appid, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return
	}
	out := withText(buf.Bytes(), [][2]string{{"scene", req.Scene}, {"page", req.Page}, {"env_version", req.EnvVersion}})
	m.served(r, path, appid)
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// checkWxaCode validates a request and fills in defaults: scene 1 to 32
// characters (40169) out of letters, digits and !#$&'()*+,/:;=?@-._~
// (40129); env_version release (default), trial or develop (40097); with
// check_path (the default) a page must look like one of app.json's pages:
// no leading "/", no query, letters, digits and -_./ only (41030); without
// it anything up to 1024 characters goes. line_color channels are 0-255
// (40097).
func checkWxaCode(req *wxaCodeRequest) *wxError {
	if n := len([]rune(req.Scene)); n == 0 || n > MaxSceneLength {
		return errOf(wechat.CodeSceneTooLong, "invalid length for scene, or the data is not json string")
	}
	for _, c := range req.Scene {
		if !(c < 0x80 && (isASCIILetter(c) || c >= '0' && c <= '9' || strings.ContainsRune(sceneChars, c))) {
			return errOf(wechat.CodeInvalidScene, "invalid scene")
		}
	}
	switch req.EnvVersion {
	case "":
		req.EnvVersion = "release"
	case "release", "trial", "develop":
	default:
		return errOf(wechat.CodeInvalidArgs, "invalid args: env_version must be release, trial or develop")
	}
	checkPath := req.CheckPath == nil || *req.CheckPath
	if len(req.Page) > 1024 || hasControl(req.Page) || checkPath && !pagePath(req.Page) {
		return errOf(wechat.CodeInvalidPage, "invalid page")
	}
	if lc := req.LineColor; lc != nil && !req.AutoColor {
		for _, c := range []flexInt{lc.R, lc.G, lc.B} {
			if c.v < 0 || c.v > 255 {
				return errOf(wechat.CodeInvalidArgs, "invalid args: line_color channels are 0 to 255")
			}
		}
	}
	return nil
}

// pagePath accepts "" (the main page) and paths like "pages/index/index".
func pagePath(p string) bool {
	if p == "" {
		return true
	}
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") || strings.Contains(p, "..") {
		return false
	}
	return allRunes(p, func(r rune) bool {
		return isASCIILetter(r) || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/'
	})
}

// renderWxaCode draws a mini-program-code-like disc: a centre mark and
// three rings of 48 segments, each segment on or off by a bit of seed.
func renderWxaCode(width int, seed [32]byte, fg color.RGBA, transparent bool) *image.Paletted {
	bg := color.RGBA{0xff, 0xff, 0xff, 0xff}
	if transparent {
		bg = color.RGBA{}
	}
	img := image.NewPaletted(image.Rect(0, 0, width, width), color.Palette{bg, fg})
	const sectors = 48
	bands := [3][2]float64{{0.38, 0.52}, {0.56, 0.70}, {0.74, 0.88}}
	c := float64(width) / 2
	radius := c * 0.96
	bit := func(i int) bool { return seed[i/8]>>(i%8)&1 == 1 }
	for y := 0; y < width; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+width]
		dy := float64(y) + 0.5 - c
		for x := range row {
			dx := float64(x) + 0.5 - c
			rr := math.Hypot(dx, dy) / radius
			on := false
			switch {
			case rr < 0.14, rr >= 0.22 && rr < 0.30:
				on = true
			case rr >= 0.30:
				for b, band := range bands {
					if rr < band[0] || rr >= band[1] {
						continue
					}
					a := math.Atan2(dy, dx)
					if a < 0 {
						a += 2 * math.Pi
					}
					pos := a / (2 * math.Pi) * sectors
					sector := int(pos) % sectors
					if frac := pos - math.Floor(pos); frac > 0.18 && frac < 0.82 {
						on = bit(b*sectors + sector)
					}
				}
			}
			if on {
				row[x] = 1
			}
		}
	}
	return img
}

// withText inserts tEXt chunks (Latin-1 text; other values are left out)
// right after a PNG's IHDR chunk.
func withText(pngBytes []byte, kv [][2]string) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	if len(pngBytes) < afterIHDR {
		return pngBytes
	}
	var chunks bytes.Buffer
	for _, p := range kv {
		if p[1] == "" || !latin1Printable(p[1]) {
			continue
		}
		data := append(append([]byte(p[0]), 0), p[1]...)
		var hdr [8]byte
		binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
		copy(hdr[4:], "tEXt")
		crc := crc32.NewIEEE()
		crc.Write(hdr[4:])
		crc.Write(data)
		chunks.Write(hdr[:])
		chunks.Write(data)
		_ = binary.Write(&chunks, binary.BigEndian, crc.Sum32())
	}
	out := make([]byte, 0, len(pngBytes)+chunks.Len())
	out = append(out, pngBytes[:afterIHDR]...)
	out = append(out, chunks.Bytes()...)
	return append(out, pngBytes[afterIHDR:]...)
}

func latin1Printable(s string) bool {
	return allRunes(s, func(r rune) bool { return r >= ' ' && r < 0x7f })
}
