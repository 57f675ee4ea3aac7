package wxapi

import (
	"strings"
	"testing"
	"time"

	"github.com/tcb-go/tcb/pkg/wechat"
)

func TestOpenAPIMsgSecCheck(t *testing.T) {
	h := start(t, "", twoApps(), nil)
	h.login("oAlice")
	tok := h.stable(false).AccessToken
	v2 := func(content string, scene int, openid string) string {
		return mustJSON(map[string]any{"content": content, "version": 2, "scene": scene, "openid": openid})
	}
	for _, c := range []struct {
		name, tok, body string
		want            int
		suggest         string
		label           int
		keywords        string
	}{
		{"pass", tok, v2("buy milk", 2, "oAlice"), 0, SuggestPass, LabelNormal, ""},
		{"risky", tok, v2("buy cocaine", 1, "oAlice"), 0, SuggestRisky, LabelCrime, "cocaine"},
		{"case-insensitive", tok, v2("Buy COCAINE", 1, "oAlice"), 0, SuggestRisky, LabelCrime, "cocaine"},
		{"chinese", tok, v2("今天去赌博", 3, "oAlice"), 0, SuggestRisky, LabelCrime, "赌博"},
		{"ad", tok, v2("请加微信 123", 4, "oAlice"), 0, SuggestRisky, LabelAd, "加微信"},
		{"review", tok, v2("a tcb-review b", 1, "oAlice"), 0, SuggestReview, LabelOther, "tcb-review"},
		{"risky beats review, first rule wins", tok, v2("tcb-review porn idiot", 1, "oAlice"), 0, SuggestRisky, LabelPorn, "tcb-review,porn,idiot"},
		{"title checked too", tok, `{"content":"fine","title":"tcb-risky","version":2,"scene":1,"openid":"oAlice"}`, 0, SuggestRisky, LabelOther, "tcb-risky"},
		{"v1 pass", tok, `{"content":"buy milk"}`, 0, "", 0, ""},
		{"v1 risky", tok, `{"content":"buy cocaine","version":1}`, wechat.CodeRiskyContent, "", 0, ""},
		{"no content", tok, v2("", 1, "oAlice"), wechat.CodeInvalidArgs, "", 0, ""},
		{"content too long", tok, v2(strings.Repeat("长", MaxSecCheckContent+1), 1, "oAlice"), wechat.CodeInvalidArgs, "", 0, ""},
		{"bad version", tok, `{"content":"x","version":3,"scene":1,"openid":"oAlice"}`, wechat.CodeInvalidArgs, "", 0, ""},
		{"bad scene", tok, v2("x", 5, "oAlice"), wechat.CodeInvalidArgs, "", 0, ""},
		{"no openid", tok, v2("x", 1, ""), wechat.CodeInvalidOpenID, "", 0, ""},
		{"unknown openid", tok, v2("x", 1, "oNobody"), wechat.CodeInvalidOpenID, "", 0, ""},
		{"another app's user", h.otherToken(), v2("x", 1, "oAlice"), wechat.CodeInvalidOpenID, "", 0, ""},
		{"empty body", tok, "", wechat.CodeEmptyBody, "", 0, ""},
		{"malformed", tok, `{"content":`, wechat.CodeBadBody, "", 0, ""},
		{"version as string", tok, `{"content":"x","version":"2"}`, wechat.CodeBadBody, "", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := h.post(PathMsgSecCheck, c.tok, c.body)
			if a.ErrCode != c.want {
				t.Fatalf("got %+v, want errcode %d", a, c.want)
			}
			if c.want != 0 {
				if !ridRe.MatchString(a.ErrMsg) {
					t.Fatalf("errmsg %q", a.ErrMsg)
				}
				return
			}
			if a.ErrMsg != "ok" || a.Result.Suggest != c.suggest || a.Result.Label != c.label {
				t.Fatalf("result %+v, want %s %d", a, c.suggest, c.label)
			}
			if c.suggest == "" {
				return
			}
			if a.TraceID == "" || len(a.Detail) == 0 || a.Detail[0].Strategy != "content_model" || a.Detail[0].Suggest != c.suggest || a.Detail[0].Label != c.label {
				t.Fatalf("detail %+v", a.Detail)
			}
			var kws []string
			for _, d := range a.Detail[1:] {
				if d.Strategy != "keyword" {
					t.Fatalf("detail %+v", d)
				}
				kws = append(kws, d.Keyword)
			}
			if strings.Join(kws, ",") != c.keywords {
				t.Fatalf("keywords %v, want %s", kws, c.keywords)
			}
		})
	}
}

// Version 2 wants a user who opened the mini program (jscode2session) in
// the last two hours: 61010 afterwards, until they log in again.
func TestOpenAPIMsgSecCheckActiveWindow(t *testing.T) {
	h := start(t, "", Options{TTL: 24 * time.Hour}, nil)
	h.login("oAlice")
	tok := h.stable(false).AccessToken
	body := `{"content":"hello","version":2,"scene":2,"openid":"oAlice"}`
	h.clock.Advance(ActiveWindow)
	if a := h.post(PathMsgSecCheck, tok, body); a.ErrCode != 0 {
		t.Fatalf("at the edge of the window: %+v", a)
	}
	h.clock.Advance(time.Second)
	if a := h.post(PathMsgSecCheck, tok, body); a.ErrCode != wechat.CodeUserInactive {
		t.Fatalf("after the window: %+v", a)
	}
	// Version 1 takes no openid.
	if a := h.post(PathMsgSecCheck, tok, `{"content":"hello"}`); a.ErrCode != 0 {
		t.Fatalf("v1: %+v", a)
	}
	h.login("oAlice")
	if a := h.post(PathMsgSecCheck, tok, body); a.ErrCode != 0 {
		t.Fatalf("after logging in again: %+v", a)
	}
}

func TestOpenAPIBlockListConfigurable(t *testing.T) {
	rule := func(s string) BlockRule {
		r, err := ParseBlockRule(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := rule("spam"); r != (BlockRule{"spam", LabelOther, SuggestRisky}) {
		t.Fatalf("default label and suggest: %+v", r)
	}
	if r := rule(" 选举 :20001"); r != (BlockRule{"选举", LabelPolitics, SuggestRisky}) {
		t.Fatalf("label: %+v", r)
	}
	if r := rule("meh:20012:review"); r != (BlockRule{"meh", LabelVulgar, SuggestReview}) {
		t.Fatalf("suggest: %+v", r)
	}
	for _, bad := range []string{"", ":20001", "x:123", "x:abc", "x:20001:block", "x:1:2:3", strings.Repeat("w", 65)} {
		if _, err := ParseBlockRule(bad); err == nil {
			t.Errorf("ParseBlockRule(%q) accepted", bad)
		}
	}

	h := start(t, "", Options{SecCheckBlockList: []BlockRule{rule("spam:10001")}}, nil)
	h.login("oA")
	tok := h.stable(false).AccessToken
	if a := h.post(PathMsgSecCheck, tok, `{"content":"SPAM here","version":2,"scene":1,"openid":"oA"}`); a.Result.Suggest != SuggestRisky || a.Result.Label != LabelAd {
		t.Fatalf("configured word: %+v", a)
	}
	if a := h.post(PathMsgSecCheck, tok, `{"content":"tcb-risky cocaine","version":2,"scene":1,"openid":"oA"}`); a.Result.Suggest != SuggestPass {
		t.Fatalf("a configured list replaces the default: %+v", a)
	}
	if st := h.state().OpenAPI; len(st.BlockList) != 1 || st.BlockList[0].Word != "spam" {
		t.Fatalf("state block list: %+v", st.BlockList)
	}
}
