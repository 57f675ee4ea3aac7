package wxapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// subscribeRequest is subscribeMessage.send's body.
type subscribeRequest struct {
	ToUser           string                     `json:"touser"`
	TemplateID       string                     `json:"template_id"`
	Page             string                     `json:"page"`
	Data             map[string]json.RawMessage `json:"data"`
	MiniprogramState string                     `json:"miniprogram_state"`
	Lang             string                     `json:"lang"`
}

// maxKeywords bounds the keywords of one message.
const maxKeywords = 20

// handleSubscribeSend serves POST /cgi-bin/message/subscribe/send. The
// message is validated as the platform does (see doc.go for the rules the
// emulator applies) and recorded: /_emulator/wechat/messages and
// /_emulator/state show it.
func (m *Module) handleSubscribeSend(w http.ResponseWriter, r *http.Request) {
	const path = PathSubscribeSend
	appid, ok := m.begin(w, r, path)
	if !ok {
		return
	}
	var req subscribeRequest
	if !m.readBody(w, r, path, appid, &req) {
		return
	}
	msg, e := m.validateSubscribe(appid, &req)
	if e != nil {
		m.answer(w, r, path, appid, e)
		return
	}
	now := m.clock()
	msg.SentAt = now
	o := m.oa
	o.mu.Lock()
	o.lastID++
	msg.MsgID = o.lastID
	o.messages = append(o.messages, msg)
	var dropped []int64
	for len(o.messages) > MaxMessages {
		dropped = append(dropped, o.messages[0].MsgID)
		o.messages = o.messages[1:]
	}
	err := m.persistOpenAPI(now, nil, nil, msg, dropped)
	o.mu.Unlock()
	if err != nil {
		m.log.Error("wechat: persisting a message failed", slog.String("error", err.Error()))
		m.answer(w, r, path, appid, errOf(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy]))
		return
	}
	m.log.LogAttrs(r.Context(), slog.LevelInfo, "wechat subscribe message sent", slog.String("appid", appid),
		slog.String("touser", msg.ToUser), slog.String("template_id", msg.TemplateID), slog.Int64("msgid", msg.MsgID))
	writeBody(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msg.MsgID})
}

// validateSubscribe checks a message in this order: touser present (40003),
// template_id (40037), touser known to the app (40003), page (41030),
// miniprogram_state and lang (47003), then every data keyword (47003,
// naming the keyword like the platform: "argument invalid!
// data.thing1.value is empty").
func (m *Module) validateSubscribe(appid string, req *subscribeRequest) (*SentMessage, *wxError) {
	bad := func(what string) *wxError { return errOf(wechat.CodeBadArgument, "argument invalid! "+what) }
	if req.ToUser == "" {
		return nil, errOf(wechat.CodeInvalidOpenID, "invalid openid")
	}
	if !validID(req.TemplateID, 128) {
		return nil, errOf(wechat.CodeInvalidTemplate, "invalid template id")
	}
	if m.oa.knownUser(appid, req.ToUser) == nil {
		return nil, errOf(wechat.CodeInvalidOpenID, "invalid openid")
	}
	if len(req.Page) > 1024 || hasControl(req.Page) || strings.HasPrefix(req.Page, "/") {
		return nil, errOf(wechat.CodeInvalidPage, "invalid page")
	}
	msg := &SentMessage{AppID: appid, ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
		MiniprogramState: req.MiniprogramState, Lang: req.Lang, Data: map[string]MessageValue{}}
	switch msg.MiniprogramState {
	case "":
		msg.MiniprogramState = "formal"
	case "developer", "trial", "formal":
	default:
		return nil, bad("miniprogram_state invalid")
	}
	switch msg.Lang {
	case "":
		msg.Lang = "zh_CN"
	case "zh_CN", "en_US", "zh_HK", "zh_TW":
	default:
		return nil, bad("lang invalid")
	}
	if len(req.Data) == 0 {
		return nil, bad("data is empty")
	}
	if len(req.Data) > maxKeywords {
		return nil, bad("data has too many keywords")
	}
	for _, key := range slices.Sorted(maps.Keys(req.Data)) {
		check := keywordCheck(key)
		if check == nil {
			return nil, bad("data." + key + " invalid")
		}
		v, ok := keywordValue(req.Data[key])
		switch {
		case !ok:
			return nil, bad("data." + key + ".value invalid")
		case v == "":
			return nil, bad("data." + key + ".value is empty")
		case !check(v):
			return nil, bad("data." + key + ".value invalid")
		}
		msg.Data[key] = MessageValue{Value: v}
	}
	return msg, nil
}

// keywordValue reads {"value": "..."} (a number is taken as its text).
func keywordValue(raw json.RawMessage) (string, bool) {
	var kw struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &kw); err != nil {
		return "", false
	}
	v := bytes.TrimSpace(kw.Value)
	if len(v) == 0 || string(v) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

// keywordCheck returns the value rule of a template keyword such as
// "thing1" (its kind, then a number), or nil for an unknown kind. The
// rules are the platform's documented ones.
func keywordCheck(key string) func(string) bool {
	kind := strings.TrimRight(key, "0123456789")
	if kind == key || kind == "" {
		return nil
	}
	switch kind {
	case "thing": // up to 20 characters
		return func(v string) bool { return utf8.RuneCountInString(v) <= 20 }
	case "number": // up to 32 digits, a decimal point allowed
		return func(v string) bool { return len(v) <= 32 && isNumber(v) }
	case "letter": // up to 32 letters
		return func(v string) bool { return len(v) <= 32 && allRunes(v, isASCIILetter) }
	case "symbol": // up to 5 symbols
		return func(v string) bool {
			return utf8.RuneCountInString(v) <= 5 && allRunes(v, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
		}
	case "character_string": // up to 32 digits, letters or symbols
		return func(v string) bool {
			return len(v) <= 32 && allRunes(v, func(r rune) bool { return r > ' ' && r < 0x7f })
		}
	case "time": // a 24-hour time, optionally with a date; a range with "~"
		return func(v string) bool { return timeRange(v, timeLayouts) }
	case "date": // a date, optionally with a time; a range with "~"
		return func(v string) bool { return timeRange(v, dateLayouts) }
	case "amount": // a currency symbol, up to 12 digits (decimals allowed), optionally "元"
		return isAmount
	case "phone_number": // up to 17 digits and symbols
		return func(v string) bool {
			return len(v) <= 17 && strings.ContainsAny(v, "0123456789") &&
				allRunes(v, func(r rune) bool { return r >= '0' && r <= '9' || strings.ContainsRune("+-() ", r) })
		}
	case "car_number": // up to 8 characters
		return func(v string) bool { return utf8.RuneCountInString(v) <= 8 && !hasControl(v) }
	case "name": // up to 10 Chinese characters or 20 letters
		return func(v string) bool {
			n := utf8.RuneCountInString(v)
			if n == len(v) {
				return n <= 20
			}
			return n <= 10
		}
	case "phrase": // up to 5 Chinese characters
		return func(v string) bool {
			return utf8.RuneCountInString(v) <= 5 && allRunes(v, func(r rune) bool { return unicode.Is(unicode.Han, r) })
		}
	}
	return nil
}

// Layouts accepted by time and date keywords ("1" and "2" also read
// two-digit months and days).
var (
	timeLayouts = []string{
		"15:04", "15:04:05",
		"2006-1-2 15:04", "2006-1-2 15:04:05",
		"2006/1/2 15:04", "2006/1/2 15:04:05",
		"2006.1.2 15:04", "2006年1月2日 15:04", "2006年1月2日 15:04:05",
	}
	dateLayouts = []string{
		"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日",
		"2006-1-2 15:04", "2006-1-2 15:04:05",
		"2006/1/2 15:04", "2006/1/2 15:04:05",
		"2006.1.2 15:04", "2006年1月2日 15:04", "2006年1月2日 15:04:05",
	}
)

// timeRange accepts one moment or two joined by "~" (the half-width tilde,
// as the platform requires).
func timeRange(v string, layouts []string) bool {
	parts := strings.Split(v, "~")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		ok := false
		for _, l := range layouts {
			if _, err := time.Parse(l, p); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func isNumber(v string) bool {
	if v == "" || v[0] == '.' || v[len(v)-1] == '.' || strings.Count(v, ".") > 1 {
		return false
	}
	return allRunes(v, func(r rune) bool { return r >= '0' && r <= '9' || r == '.' })
}

// isAmount accepts "¥100", "$3.50", "100元", "¥12.00元": an optional
// currency symbol, 1 to 12 digits with up to 2 decimals, an optional "元".
func isAmount(v string) bool {
	v = strings.TrimSuffix(v, "元")
	if r, size := utf8.DecodeRuneInString(v); r != utf8.RuneError && (unicode.IsSymbol(r) || unicode.IsPunct(r)) && r != '.' {
		v = v[size:]
	}
	whole, frac, hasFrac := strings.Cut(v, ".")
	if !digits(whole, 1, 12) {
		return false
	}
	return !hasFrac || digits(frac, 1, 2)
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func allRunes(v string, ok func(rune) bool) bool {
	for _, r := range v {
		if !ok(r) {
			return false
		}
	}
	return true
}
