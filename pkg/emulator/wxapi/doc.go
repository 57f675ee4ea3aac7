// Package wxapi is the emulator's WeChat access_token module (an
// emulator.Module named "wechat"): GET /cgi-bin/token and POST
// /cgi-bin/stable_token with the semantics of the real platform, plus the
// token check that the emulator's /tcb/* APIs rely on.
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
package wxapi
