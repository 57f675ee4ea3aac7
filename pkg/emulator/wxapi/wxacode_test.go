package wxapi

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// pngText reads a PNG's tEXt chunks.
func pngText(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p := 8; p+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[p:]))
		typ := string(b[p+4 : p+8])
		if p+12+n > len(b) {
			t.Fatalf("truncated chunk %s", typ)
		}
		if typ == "tEXt" {
			k, v, _ := bytes.Cut(b[p+8:p+8+n], []byte{0})
			out[string(k)] = string(v)
		}
		p += 12 + n
	}
	return out
}

func TestOpenAPIGetWxaCodeUnlimit(t *testing.T) {
	h := start(t, "", Options{}, nil)
	tok := h.stable(false).AccessToken
	q := "access_token=" + url.QueryEscape(tok)
	for _, c := range []struct {
		name, body string
		width      int
		text       map[string]string
		hyaline    bool
	}{
		{"defaults", `{"scene":"id=42"}`, 430, map[string]string{"scene": "id=42", "env_version": "release"}, false},
		{"page and width", `{"scene":"a=1&b=2","page":"pages/todo/detail","width":280,"env_version":"trial"}`, 280,
			map[string]string{"scene": "a=1&b=2", "page": "pages/todo/detail", "env_version": "trial"}, false},
		{"width as string", `{"scene":"x","width":"640"}`, 640, nil, false},
		{"width clamped up", `{"scene":"x","width":100}`, 280, nil, false},
		{"width clamped down", `{"scene":"x","width":5000}`, 1280, nil, false},
		{"unchecked page", `{"scene":"x","page":"/not/in/app.json?x=1","check_path":false}`, 430, map[string]string{"page": "/not/in/app.json?x=1"}, false},
		{"hyaline and colors", `{"scene":"x","is_hyaline":true,"line_color":{"r":255,"g":"0","b":0}}`, 430, nil, true},
		{"all scene characters", `{"scene":"` + "09azAZ!#$&'()*+,/:;=?@-._~" + `"}`, 430, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, ct, b := h.raw("POST", PathWxaCodeUnlimit, q, c.body)
			if status != 200 || ct != "image/png" {
				t.Fatalf("HTTP %d %s: %.200s", status, ct, b)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds() != image.Rect(0, 0, c.width, c.width) {
				t.Fatalf("bounds %v, want %d square", img.Bounds(), c.width)
			}
			text := pngText(t, b)
			for k, v := range c.text {
				if text[k] != v {
					t.Fatalf("tEXt %s = %q, want %q (all %v)", k, text[k], v, text)
				}
			}
			if _, _, _, a := img.At(0, 0).RGBA(); (a == 0) != c.hyaline {
				t.Fatalf("corner alpha %d", a)
			}
			// The centre mark is drawn in the line color.
			if r, g, _, _ := img.At(c.width/2, c.width/2).RGBA(); c.hyaline && (r>>8 != 255 || g != 0) {
				t.Fatalf("centre colour %d %d", r, g)
			}
		})
	}
	// The picture depends on the scene and is the same for the same request.
	get := func(body string) []byte {
		_, _, b := h.raw("POST", PathWxaCodeUnlimit, q, body)
		return b
	}
	if a, b := get(`{"scene":"x=1"}`), get(`{"scene":"x=1"}`); !bytes.Equal(a, b) {
		t.Fatal("the same request drew different codes")
	}
	if a, b := get(`{"scene":"x=1"}`), get(`{"scene":"x=2"}`); bytes.Equal(a, b) {
		t.Fatal("two scenes drew the same code")
	}

	for _, c := range []struct {
		name, body string
		want       int
	}{
		{"no scene", `{}`, wechat.CodeSceneTooLong},
		{"empty scene", `{"scene":""}`, wechat.CodeSceneTooLong},
		{"scene too long", `{"scene":"` + strings.Repeat("a", 33) + `"}`, wechat.CodeSceneTooLong},
		{"scene with a space", `{"scene":"a b"}`, wechat.CodeInvalidScene},
		{"scene with chinese", `{"scene":"名字"}`, wechat.CodeInvalidScene},
		{"absolute page", `{"scene":"x","page":"/pages/index/index"}`, wechat.CodeInvalidPage},
		{"page with query", `{"scene":"x","page":"pages/index/index?id=1"}`, wechat.CodeInvalidPage},
		{"page with dots", `{"scene":"x","page":"pages/../secret"}`, wechat.CodeInvalidPage},
		{"page with a space even unchecked", `{"scene":"x","page":"pages/a b","check_path":false}`, wechat.CodeInvalidPage},
		{"bad env_version", `{"scene":"x","env_version":"beta"}`, wechat.CodeInvalidArgs},
		{"bad line_color", `{"scene":"x","line_color":{"r":256,"g":0,"b":0}}`, wechat.CodeInvalidArgs},
		{"width not a number", `{"scene":"x","width":"wide"}`, wechat.CodeBadBody},
		{"empty body", ``, wechat.CodeEmptyBody},
	} {
		t.Run(c.name, func(t *testing.T) {
			if a := h.post(PathWxaCodeUnlimit, tok, c.body); a.ErrCode != c.want || !ridRe.MatchString(a.ErrMsg) {
				t.Fatalf("got %+v, want %d", a, c.want)
			}
		})
	}
}

func BenchmarkWxaCode1280(b *testing.B) {
	var seed [32]byte
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, renderWxaCode(1280, seed, color.RGBA{A: 0xff}, false)); err != nil {
			b.Fatal(err)
		}
	}
}
