package wxapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/pkg/wechat"
)

func TestOpenAPISubscribeSend(t *testing.T) {
	h := start(t, "", twoApps(), nil)
	h.login("oAlice")
	tok := h.stable(false).AccessToken
	msg := func(mod func(m map[string]any)) string {
		m := map[string]any{
			"touser": "oAlice", "template_id": "TPL_todo-added_01", "page": "pages/index/index?id=1",
			"data": map[string]any{
				"thing1": map[string]any{"value": "buy milk"},
				"time2":  map[string]any{"value": "2025-03-10 10:00"},
			},
			"miniprogram_state": "developer", "lang": "zh_CN",
		}
		if mod != nil {
			mod(m)
		}
		return mustJSON(m)
	}
	data := func(kv ...string) func(map[string]any) {
		return func(m map[string]any) {
			d := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				d[kv[i]] = map[string]any{"value": kv[i+1]}
			}
			m["data"] = d
		}
	}
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	for _, c := range []struct {
		name, tok, body string
		want            int
		errmsg          string
	}{
		{"ok", tok, msg(nil), 0, "ok"},
		{"defaults", tok, msg(func(m map[string]any) { delete(m, "page"); delete(m, "miniprogram_state"); delete(m, "lang") }), 0, "ok"},
		{"no touser", tok, msg(set("touser", "")), wechat.CodeInvalidOpenID, "invalid openid"},
		{"unknown touser", tok, msg(set("touser", "oNobody")), wechat.CodeInvalidOpenID, "invalid openid"},
		{"another app's user", h.otherToken(), msg(nil), wechat.CodeInvalidOpenID, "invalid openid"},
		{"no template", tok, msg(set("template_id", "")), wechat.CodeInvalidTemplate, "invalid template id"},
		{"bad template", tok, msg(set("template_id", "a b")), wechat.CodeInvalidTemplate, "invalid template id"},
		{"absolute page", tok, msg(set("page", "/pages/index/index")), wechat.CodeInvalidPage, "invalid page"},
		{"bad state", tok, msg(set("miniprogram_state", "beta")), wechat.CodeBadArgument, "argument invalid! miniprogram_state invalid"},
		{"bad lang", tok, msg(set("lang", "fr_FR")), wechat.CodeBadArgument, "argument invalid! lang invalid"},
		{"no data", tok, msg(func(m map[string]any) { delete(m, "data") }), wechat.CodeBadArgument, "argument invalid! data is empty"},
		{"data not an object", tok, msg(set("data", "x")), wechat.CodeBadBody, "data format error"},
		{"empty value", tok, msg(data("thing1", "")), wechat.CodeBadArgument, "argument invalid! data.thing1.value is empty"},
		{"value not an object", tok, msg(set("data", map[string]any{"thing1": "x"})), wechat.CodeBadArgument, "argument invalid! data.thing1.value invalid"},
		{"unknown keyword", tok, msg(data("foo1", "x")), wechat.CodeBadArgument, "argument invalid! data.foo1 invalid"},
		{"keyword without number", tok, msg(data("thing", "x")), wechat.CodeBadArgument, "argument invalid! data.thing invalid"},
		{"thing too long", tok, msg(data("thing1", strings.Repeat("长", 21))), wechat.CodeBadArgument, "argument invalid! data.thing1.value invalid"},
		{"thing 20", tok, msg(data("thing1", strings.Repeat("长", 20))), 0, "ok"},
		{"number", tok, msg(data("number1", "12.5")), 0, "ok"},
		{"number with letters", tok, msg(data("number1", "12a")), wechat.CodeBadArgument, "argument invalid! data.number1.value invalid"},
		{"letter", tok, msg(data("letter1", "abcXYZ")), 0, "ok"},
		{"letter with digit", tok, msg(data("letter1", "abc1")), wechat.CodeBadArgument, "argument invalid! data.letter1.value invalid"},
		{"symbol", tok, msg(data("symbol1", "%$")), 0, "ok"},
		{"symbol too long", tok, msg(data("symbol1", "%%%%%%")), wechat.CodeBadArgument, "argument invalid! data.symbol1.value invalid"},
		{"character_string", tok, msg(data("character_string1", "ORDER-2025_01#7")), 0, "ok"},
		{"character_string with chinese", tok, msg(data("character_string1", "订单1")), wechat.CodeBadArgument, "argument invalid! data.character_string1.value invalid"},
		{"time", tok, msg(data("time1", "15:01")), 0, "ok"},
		{"time with date", tok, msg(data("time1", "2019年10月1日 15:01")), 0, "ok"},
		{"time range", tok, msg(data("time1", "2019-10-01 15:01 ~ 2019-10-01 16:01")), 0, "ok"},
		{"time range, full-width tilde", tok, msg(data("time1", "15:01～16:01")), wechat.CodeBadArgument, "argument invalid! data.time1.value invalid"},
		{"time words", tok, msg(data("time1", "tomorrow")), wechat.CodeBadArgument, "argument invalid! data.time1.value invalid"},
		{"date", tok, msg(data("date1", "2019年10月1日")), 0, "ok"},
		{"date slash", tok, msg(data("date1", "2019/10/01")), 0, "ok"},
		{"date bad", tok, msg(data("date1", "2019-13-01")), wechat.CodeBadArgument, "argument invalid! data.date1.value invalid"},
		{"amount", tok, msg(data("amount1", "¥100.50")), 0, "ok"},
		{"amount yuan", tok, msg(data("amount1", "100元")), 0, "ok"},
		{"amount bad", tok, msg(data("amount1", "100.555")), wechat.CodeBadArgument, "argument invalid! data.amount1.value invalid"},
		{"phone_number", tok, msg(data("phone_number1", "+86 138-0013-8000")), 0, "ok"},
		{"phone_number bad", tok, msg(data("phone_number1", "call me")), wechat.CodeBadArgument, "argument invalid! data.phone_number1.value invalid"},
		{"car_number", tok, msg(data("car_number1", "粤A12345")), 0, "ok"},
		{"name", tok, msg(data("name1", "张三")), 0, "ok"},
		{"name too long", tok, msg(data("name1", "张三张三张三张三张三张")), wechat.CodeBadArgument, "argument invalid! data.name1.value invalid"},
		{"phrase", tok, msg(data("phrase1", "已完成")), 0, "ok"},
		{"phrase not chinese", tok, msg(data("phrase1", "done")), wechat.CodeBadArgument, "argument invalid! data.phrase1.value invalid"},
		{"first bad keyword in order", tok, msg(data("thing2", "", "thing1", strings.Repeat("x", 21))), wechat.CodeBadArgument, "argument invalid! data.thing1.value invalid"},
		{"number value", tok, msg(set("data", map[string]any{"number1": map[string]any{"value": 42}})), 0, "ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := h.post(PathSubscribeSend, c.tok, c.body)
			if a.ErrCode != c.want || !strings.HasPrefix(a.ErrMsg, c.errmsg) {
				t.Fatalf("got %+v, want %d %q", a, c.want, c.errmsg)
			}
			if (c.want == 0) != (a.MsgID > 0) {
				t.Fatalf("msgid %d", a.MsgID)
			}
		})
	}

	// Every sent message is recorded, in order, with the defaults filled in.
	list := func(query string) []SentMessage {
		t.Helper()
		status, _, b := h.raw("GET", PathMessages, query, "")
		var out struct{ Messages []SentMessage }
		if err := json.Unmarshal(b, &out); status != http.StatusOK || err != nil {
			t.Fatalf("messages: %d %v %s", status, err, b)
		}
		return out.Messages
	}
	all := list("")
	if len(all) != 19 {
		t.Fatalf("%d messages recorded", len(all))
	}
	first, second := all[0], all[1]
	if first.MsgID != 1 || first.AppID != demoID || first.ToUser != "oAlice" || first.TemplateID != "TPL_todo-added_01" || first.Page != "pages/index/index?id=1" ||
		first.Data["thing1"].Value != "buy milk" || first.MiniprogramState != "developer" || first.Lang != "zh_CN" || !first.SentAt.Equal(h.clock.Now()) {
		t.Fatalf("first: %+v", first)
	}
	if second.MiniprogramState != "formal" || second.Lang != "zh_CN" || second.Page != "" {
		t.Fatalf("defaults: %+v", second)
	}
	if last := all[len(all)-1]; last.Data["number1"].Value != "42" {
		t.Fatalf("number value: %+v", last)
	}
	if n := len(list("touser=oAlice&appid=" + demoID + "&template_id=TPL_todo-added_01")); n != 19 {
		t.Fatalf("filtered: %d", n)
	}
	if n := len(list("touser=oBob")); n != 0 {
		t.Fatalf("bob's: %d", n)
	}
	st := h.state().OpenAPI
	if st.MessagesSent != 19 || len(st.Messages) != 19 || st.Messages[0].MsgID != 1 {
		t.Fatalf("state: sent %d, %d shown", st.MessagesSent, len(st.Messages))
	}
}

// At most MaxMessages are kept; the state shows the last StateMessages.
func TestOpenAPISubscribeMessagesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("sends over a thousand messages")
	}
	h := start(t, "", Options{}, nil)
	h.login("oA")
	tok := h.stable(false).AccessToken
	for i := 0; i < MaxMessages+5; i++ {
		if a := h.post(PathSubscribeSend, tok, `{"touser":"oA","template_id":"T","data":{"thing1":{"value":"x"}}}`); a.ErrCode != 0 {
			t.Fatalf("send %d: %+v", i, a)
		}
	}
	st := h.state().OpenAPI
	if st.MessagesSent != MaxMessages+5 || len(st.Messages) != StateMessages || st.Messages[StateMessages-1].MsgID != MaxMessages+5 {
		t.Fatalf("state: sent %d, %d shown", st.MessagesSent, len(st.Messages))
	}
	h.m.oa.mu.Lock()
	n, oldest := len(h.m.oa.messages), h.m.oa.messages[0].MsgID
	h.m.oa.mu.Unlock()
	if n != MaxMessages || oldest != 6 {
		t.Fatalf("kept %d, oldest %d", n, oldest)
	}
}
