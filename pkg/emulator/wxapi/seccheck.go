package wxapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tcb-go/tcb/pkg/wechat"
)

// Labels of msg_sec_check results (result.label).
const (
	LabelNormal    = 100
	LabelAd        = 10001
	LabelPolitics  = 20001
	LabelPorn      = 20002
	LabelAbuse     = 20003
	LabelCrime     = 20006
	LabelFraud     = 20008
	LabelVulgar    = 20012
	LabelCopyright = 20013
	LabelOther     = 21000
)

// Suggestions of msg_sec_check results (result.suggest).
const (
	SuggestPass   = "pass"
	SuggestReview = "review"
	SuggestRisky  = "risky"
)

// MaxSecCheckContent is the longest content msg_sec_check accepts, in
// characters.
const MaxSecCheckContent = 2500

// BlockRule is one msg_sec_check rule: text that contains Word (compared
// case-insensitively) gets Suggest ("risky" or "review") and Label.
type BlockRule struct {
	Word    string `json:"word"`
	Label   int    `json:"label"`
	Suggest string `json:"suggest"`
}

// DefaultBlockList is the rule list when Options.SecCheckBlockList is nil:
// two markers for tests ("tcb-risky", "tcb-review") and a few everyday
// words per label.
func DefaultBlockList() []BlockRule {
	return []BlockRule{
		{"tcb-risky", LabelOther, SuggestRisky},
		{"tcb-review", LabelOther, SuggestReview},
		{"加微信", LabelAd, SuggestRisky},
		{"porn", LabelPorn, SuggestRisky},
		{"色情", LabelPorn, SuggestRisky},
		{"idiot", LabelAbuse, SuggestRisky},
		{"白痴", LabelAbuse, SuggestRisky},
		{"cocaine", LabelCrime, SuggestRisky},
		{"毒品", LabelCrime, SuggestRisky},
		{"赌博", LabelCrime, SuggestRisky},
		{"刷单", LabelFraud, SuggestRisky},
	}
}

// validLabels are the labels a rule may carry.
func validLabel(l int) bool {
	switch l {
	case LabelAd, LabelPolitics, LabelPorn, LabelAbuse, LabelCrime, LabelFraud, LabelVulgar, LabelCopyright, LabelOther:
		return true
	}
	return false
}

// ParseBlockRule parses "WORD[:LABEL[:SUGGEST]]" (a flag value): LABEL
// defaults to 21000 and SUGGEST to risky.
func ParseBlockRule(s string) (BlockRule, error) {
	parts := strings.Split(s, ":")
	rule := BlockRule{Word: strings.TrimSpace(parts[0]), Label: LabelOther, Suggest: SuggestRisky}
	if rule.Word == "" || utf8.RuneCountInString(rule.Word) > 64 {
		return BlockRule{}, fmt.Errorf("block word %q: want 1 to 64 characters", parts[0])
	}
	if len(parts) > 3 {
		return BlockRule{}, fmt.Errorf("block word %q: want WORD[:LABEL[:SUGGEST]]", s)
	}
	if len(parts) > 1 {
		l, err := strconv.Atoi(strings.TrimSpace(parts[1]))
		if err != nil || !validLabel(l) {
			return BlockRule{}, fmt.Errorf("block word %q: label must be one of 10001 20001 20002 20003 20006 20008 20012 20013 21000", s)
		}
		rule.Label = l
	}
	if len(parts) > 2 {
		switch sg := strings.TrimSpace(parts[2]); sg {
		case SuggestRisky, SuggestReview:
			rule.Suggest = sg
		default:
			return BlockRule{}, fmt.Errorf("block word %q: suggest must be risky or review", s)
		}
	}
	return rule, nil
}

// SecCheck applies the block list to texts: the result is risky with the
// label of the first risky rule (in list order) that matches, else review
// with the first matching review rule's label, else pass (label 100). hits
// are the matching rules, in list order.
func (m *Module) SecCheck(texts ...string) (suggest string, label int, hits []BlockRule) {
	lower := make([]string, len(texts))
	for i, t := range texts {
		lower[i] = strings.ToLower(t)
	}
	for _, rule := range m.oa.blocks {
		w := strings.ToLower(rule.Word)
		for _, t := range lower {
			if strings.Contains(t, w) {
				hits = append(hits, rule)
				break
			}
		}
	}
	suggest, label = SuggestPass, LabelNormal
	for _, want := range []string{SuggestRisky, SuggestReview} {
		for _, h := range hits {
			if h.Suggest == want {
				return want, h.Label, hits
			}
		}
	}
	return suggest, label, hits
}

// secCheckRequest is msg_sec_check's body.
type secCheckRequest struct {
	Content   string `json:"content"`
	Version   int    `json:"version"`
	Scene     int    `json:"scene"`
	OpenID    string `json:"openid"`
	Title     string `json:"title"`
	Nickname  string `json:"nickname"`
	Signature string `json:"signature"`
}

type secCheckAnswer struct {
	ErrCode int         `json:"errcode"`
	ErrMsg  string      `json:"errmsg"`
	Result  secResult   `json:"result"`
	Detail  []secDetail `json:"detail"`
	TraceID string      `json:"trace_id"`
}

type secResult struct {
	Suggest string `json:"suggest"`
	Label   int    `json:"label"`
}

type secDetail struct {
	Strategy string `json:"strategy"`
	ErrCode  int    `json:"errcode"`
	Suggest  string `json:"suggest"`
	Label    int    `json:"label"`
	Prob     int    `json:"prob,omitempty"`
	Level    int    `json:"level,omitempty"`
	Keyword  string `json:"keyword,omitempty"`
}

// handleMsgSecCheck serves POST /wxa/msg_sec_check. Version 2 answers
// result {suggest, label} and detail[]; version 1 (or no version) answers
// errcode 87014 for risky content and 0 otherwise.
func (m *Module) handleMsgSecCheck(w http.ResponseWriter, r *http.Request) {
	const path = PathMsgSecCheck
	appid, ok := m.begin(w, r, path)
	if !ok {
		return
	}
	var req secCheckRequest
	if !m.readBody(w, r, path, appid, &req) {
		return
	}
	fail := func(code int, msg string) { m.answer(w, r, path, appid, errOf(code, msg)) }
	switch {
	case req.Version != 0 && req.Version != 1 && req.Version != 2:
		fail(wechat.CodeInvalidArgs, "invalid args: version must be 2")
		return
	case req.Content == "":
		fail(wechat.CodeInvalidArgs, "invalid args: content is empty")
		return
	case utf8.RuneCountInString(req.Content) > MaxSecCheckContent:
		fail(wechat.CodeInvalidArgs, fmt.Sprintf("invalid args: content longer than %d characters", MaxSecCheckContent))
		return
	}
	if req.Version != 2 {
		suggest, _, _ := m.SecCheck(req.Content)
		if suggest == SuggestRisky {
			fail(wechat.CodeRiskyContent, "risky content")
			return
		}
		m.served(r, path, appid)
		writeBody(w, map[string]any{"errcode": 0, "errmsg": "ok"})
		return
	}
	if req.Scene < 1 || req.Scene > 4 {
		fail(wechat.CodeInvalidArgs, "invalid args: scene must be 1 to 4")
		return
	}
	if req.OpenID == "" {
		fail(wechat.CodeInvalidOpenID, "invalid openid")
		return
	}
	u := m.oa.knownUser(appid, req.OpenID)
	if u == nil {
		fail(wechat.CodeInvalidOpenID, "invalid openid")
		return
	}
	if m.clock().Sub(u.LastLogin) > ActiveWindow {
		fail(wechat.CodeUserInactive, "openid expired: the user has not opened the mini program in the last 2 hours")
		return
	}
	suggest, label, hits := m.SecCheck(req.Content, req.Title, req.Nickname, req.Signature)
	trace, err := randomString(12)
	if err != nil {
		fail(wechat.CodeSystemBusy, messages[wechat.CodeSystemBusy])
		return
	}
	ans := secCheckAnswer{ErrMsg: "ok", Result: secResult{Suggest: suggest, Label: label}, TraceID: trace,
		Detail: []secDetail{{Strategy: "content_model", Suggest: suggest, Label: label, Prob: 90}}}
	for _, h := range hits {
		level := 20
		if h.Suggest == SuggestReview {
			level = 10
		}
		ans.Detail = append(ans.Detail, secDetail{Strategy: "keyword", Suggest: h.Suggest, Label: h.Label, Level: level, Keyword: h.Word})
	}
	m.served(r, path, appid)
	writeBody(w, ans)
}
