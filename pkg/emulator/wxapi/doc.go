// Package wxapi is the emulator's WeChat module (an emulator.Module named
// "wechat"): GET /cgi-bin/token and POST /cgi-bin/stable_token with the
// semantics of the real platform, the token check that the emulator's
// /tcb/* APIs rely on, and the server APIs a mini program's backend calls
// with its token (see "Server APIs" below).
//
// Semantics (lifetimes scaled by Options.TTL, default 7200 s, and
// Options.Overlap, default 5 min):
//
//   - cgi-bin/token ("legacy") mints a new token on every successful call.
//     The previous token stays valid for Overlap after that (never past its
//     own expiry); any older one dies at once, so at most two legacy tokens
//     of an app are valid at any moment. Calls count against a daily quota
//     per app (default 2000; China-time days), then 45009.
//   - stable_token normal mode is idempotent: while the current stable token
//     has more than Overlap left, every call returns it with the remaining
//     expires_in. Inside the last Overlap of its life a call mints the next
//     token; the old one keeps working until its own expiry, so expires_in is
//     always >= Overlap, as on the platform (">= 300").
//   - stable_token force_refresh=true invalidates every stable token of the
//     app at once and mints a new one, at most ForceDailyLimit (20) times a
//     day and ForceSpacing (30 s) apart; otherwise it does not refresh and
//     answers like normal mode (the current token).
//   - The two families are isolated: minting one never touches the other.
//   - Errcodes: 43002 wrong method, 40002 grant_type, 41002/41004 missing
//     appid/secret, 40013 unknown appid, 40001 (cgi-bin/token) or 40125
//     (stable_token) wrong secret, 44002/47001 empty or malformed stable_token
//     body, 45009 daily quota, 45011 stable_token minute quota. Every errmsg
//     ends with " rid: <hex>". Injected faults (h.Faults.Take(path)) are
//     applied before validation: latency first, then the errcode.
//
// Token checks (CheckToken, RequireToken, GET /_emulator/wechat/check)
// answer 0 for a valid token, 41001 for a missing one, 40001 for a token
// that was superseded or force-invalidated, 42001 for an expired one and
// 40014 for one never issued (or issued more than an hour before it stopped
// being valid: old tokens are pruned).
//
// Everything (tokens, counters, quotas, force bookkeeping) is written to the
// emulator's store on every change and survives a restart.
//
// Choices where the reference is silent or ambiguous:
//   - The official leak advice ("force twice 30 s apart to kill a leaked
//     token") hints that one forced refresh might leave the old token alive
//     briefly; the emulator takes the stricter reading and invalidates at
//     once.
//   - A stable_token body larger than 64 KiB gets 47001, like malformed JSON.
//   - The stable_token pre-rotation window equals Overlap (5 min on the
//     platform for both), so one flag scales both.
//   - /_emulator/state counts only answers that carried a token as
//     "fetches"; failed calls (including injected faults) are counted under
//     "errors" by errcode.
//
// # Server APIs
//
// The module also serves what a mini program's backend calls besides the
// CloudBase APIs (openapi.go and the files it names). Every one applies an
// injected fault for its path first, then (except jscode2session, which
// takes the AppSecret) checks the access_token with RequireToken: 41001
// missing, 40014 never issued, 40001 superseded after the overlap or
// force-invalidated, 42001 expired. Bodies are JSON: 44002 when empty,
// 47001 when malformed or over 64 KiB; a non-POST call is 43002. Users,
// codes and messages are persisted like the tokens and wiped by
// /_emulator/reset; /_emulator/state shows them under "openapi".
//
//   - Codes. POST or GET /_emulator/wechat/code?openid=ID[&unionid=ID]
//     mints what wx.login gives a mini program; ?phone=13800138000 (or
//     "+1 4155552671") what a getPhoneNumber button gives it. &appid=
//     picks the app (default: the demo app). A code is single-use, belongs
//     to one app and expires CodeTTL (5 min) after minting, on the module's
//     clock. `tcb emulator wechat-code` calls this endpoint.
//   - GET /sns/jscode2session?appid&secret&js_code&grant_type: {openid,
//     session_key, unionid (when minted with one)}. 43001 not GET; 41002 /
//     41004 missing appid / secret; 40002 a grant_type other than
//     authorization_code (a missing one is tolerated); 40013 unknown appid;
//     40125 wrong secret; 41008 no js_code; 40029 a code unknown, expired,
//     of another app or a phone code; 40163 a code already exchanged (until
//     an hour after its expiry, then 40029). A successful exchange makes the
//     openid a user of the app, last seen now.
//   - POST /wxa/msg_sec_check {content, version, scene, openid, title,
//     nickname, signature}. The rule is deterministic: a block list
//     (Options.SecCheckBlockList, default DefaultBlockList) of words with a
//     label and a suggestion; text containing a word, compared
//     case-insensitively, is "risky" with the label of the first risky rule
//     in list order that matches, else "review" with the first review
//     rule's label, else "pass" with label 100. Version 2 answers result
//     {suggest, label}, detail [content_model entry, one keyword entry per
//     matching rule] and a trace_id; it checks content, title, nickname and
//     signature, and wants scene 1-4 (40097), an openid the app has seen
//     through jscode2session (40003, also for another app's user) who logged
//     in within ActiveWindow, 2 h (61010). Version 1 (or none) checks the
//     content only and answers 87014 "risky content" or ok. Empty content or
//     more than 2500 characters is 40097.
//   - POST /cgi-bin/message/subscribe/send {touser, template_id, page, data,
//     miniprogram_state, lang}: {errcode 0, msgid}. touser must be a user of
//     the token's app (seen by jscode2session: 40003 otherwise, also when
//     empty); template_id letters, digits, - and _, at most 128 (40037; the
//     emulator does not know the app's templates, so any well-formed id is
//     accepted); page at most 1024 characters, not starting with "/"
//     (41030); miniprogram_state developer, trial or formal (default) and
//     lang zh_CN (default), en_US, zh_HK or zh_TW (47003). data needs 1 to 20
//     keywords {"value": ...} whose names are a kind and a number (thing1,
//     time2, ...) and whose values follow the platform's rules per kind
//     (thing <= 20 characters, number, letter, symbol, character_string,
//     time and date with "~" ranges, amount, phone_number, car_number, name,
//     phrase); the first bad keyword in name order gives 47003 with the
//     platform's errmsg, e.g. "argument invalid! data.thing1.value is
//     empty". Whether the user accepted the template (43101 on the
//     platform) is not modelled: every valid message is sent. Sent messages
//     are recorded (the last MaxMessages): GET /_emulator/wechat/messages
//     [?appid=&touser=&template_id=] lists them, /_emulator/state shows the
//     last StateMessages.
//   - POST /wxa/getwxacodeunlimit {scene, page, check_path, env_version,
//     width, auto_color, line_color, is_hyaline}: a real PNG (image/png),
//     width x width pixels with width clamped to 280-1280 (default 430): a
//     disc pattern drawn from scene, page and env_version, transparent with
//     is_hyaline, in line_color (or a color of its own with auto_color), and
//     scene, page and env_version in tEXt chunks. Errors are JSON: 40169
//     scene empty or over 32 characters; 40129 a scene character outside
//     letters, digits and !#$&'()*+,/:;=?@-._~; 41030 with check_path (the
//     default) a page that starts with "/", has a query or other characters
//     than letters, digits and -_./ (the emulator cannot know which pages
//     the released version has); 40097 a bad env_version or line_color.
//   - POST /wxa/business/getuserphonenumber {code}: phone_info
//     {phoneNumber, purePhoneNumber, countryCode, watermark {timestamp,
//     appid}}; phoneNumber carries "+<country code>" outside China. 41008
//     no code; 40029 a code unknown, expired, already used, of another app
//     or a login code (40029 is the only bad-code errcode the platform
//     documents for this API).
//   - Any other path under /cgi-bin/, /sns/ or /wxa/ answers HTTP 200
//     {"errcode": 40066, "errmsg": "invalid url rid: ..."} (what
//     api.weixin.qq.com answers for a URL it does not serve) and is counted
//     in /_emulator/state's "unimplemented" list. /tcb/* belongs to the
//     database module.
package wxapi
