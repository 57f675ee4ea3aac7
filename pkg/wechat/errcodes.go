package wechat

import (
	"sort"

	"github.com/tcb-go/tcb/pkg/errkind"
)

// WeChat errcodes. The client, the CLI and the emulator all use these
// names; errorTable says what each one means.
const (
	CodeSystemBusy  = -1
	CodeOK          = 0
	CodeSystemError = -1000

	CodeInvalidCredential = 40001 // token endpoints: wrong AppSecret; elsewhere: access_token invalid or not the latest
	CodeInvalidGrantType  = 40002
	CodeInvalidOpenID     = 40003
	CodeInvalidAppID      = 40013
	CodeInvalidToken      = 40014
	CodeInvalidCode       = 40029 // a wx.login or getPhoneNumber code
	CodeInvalidTemplate   = 40037
	CodeInvalidURL        = 40066
	CodeInvalidArgs       = 40097
	CodeMissingParam      = 40101
	CodeInvalidSecret     = 40125
	CodeInvalidScene      = 40129
	CodeCodeUsed          = 40163
	CodeIPNotWhitelisted  = 40164
	CodeSceneTooLong      = 40169
	CodeSecretFrozen      = 40243
	CodeMissingToken      = 41001
	CodeMissingAppID      = 41002
	CodeMissingSecret     = 41004
	CodeMissingCode       = 41008
	CodeInvalidPage       = 41030
	CodeTokenExpired      = 42001
	CodeGETRequired       = 43001
	CodeMethodNotAllowed  = 43002
	CodeEmptyBody         = 44002
	CodeDailyQuota        = 45009
	CodeMinuteQuota       = 45011
	CodeBadBody           = 47001
	CodeBadArgument       = 47003
	CodeAPIUnauthorized   = 48001
	CodeQuotaResetLimit   = 48006
	CodePenalized         = 50004
	CodeAccountFrozen     = 50007
	CodeIPNotRegistered   = 61004
	CodeUserInactive      = 61010
	CodeThirdPartyToken   = 61024
	CodeCloudNotEnabled   = 85088
	CodeRiskyContent      = 87014

	// CloudBase HTTP API (/tcb/*) codes.
	CodeCloudParamInvalid  = -501000 // a wrong env id, or a function that does not exist
	CodeCloudResource      = -501001 // resource system error (a collection that exists, ...)
	CodeCloudInvalidParams = -501007 // a statement or argument the database rejects
	CodeDatabaseFailed     = -502001
	CodeCollectionMissing  = -502005
	CodeCollectionExists   = -502006
	CodeFunctionFailed     = -504002 // the function threw or crashed
	CodeFunctionTimeout    = -504003
)

// Kind groups WeChat errcodes by what a caller should do about them.
type Kind int

const (
	// KindOther is anything without a more specific policy (including the
	// negative CloudBase codes that are passed through unchanged).
	KindOther Kind = iota
	// KindRetryable: a transient server problem; retrying with backoff helps.
	KindRetryable
	// KindConfig: wrong AppID/AppSecret, frozen or banned account, missing
	// setup. Retrying never helps; a human must fix the configuration.
	KindConfig
	// KindIPWhitelist: the caller's IP is not in the API IP whitelist or is
	// waiting for administrator confirmation.
	KindIPWhitelist
	// KindQuota: a daily or per-minute quota is exhausted.
	KindQuota
	// KindStaleToken: the access_token used for a business call is invalid,
	// expired, missing or no longer the latest one.
	KindStaleToken
	// KindInput: the request itself is malformed (a caller bug or bad
	// arguments).
	KindInput
	// KindNotFound: what the request names does not exist (a collection,
	// a function, the environment).
	KindNotFound
	// KindFunction: the cloud function ran and failed (it threw, crashed
	// or timed out).
	KindFunction
)

var kindNames = [...]string{
	KindOther:       "other",
	KindRetryable:   "retryable",
	KindConfig:      "config",
	KindIPWhitelist: "ip_whitelist",
	KindQuota:       "quota",
	KindStaleToken:  "stale_token",
	KindInput:       "input",
	KindNotFound:    "not_found",
	KindFunction:    "function",
}

// String returns a stable lower-case name, suitable for logs and metrics.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// failureKinds is what each WeChat kind is as a failure of the CLI.
var failureKinds = [...]errkind.Kind{
	KindOther:       errkind.Remote,
	KindRetryable:   errkind.Remote,
	KindConfig:      errkind.Auth,
	KindIPWhitelist: errkind.Remote,
	KindQuota:       errkind.Remote,
	KindStaleToken:  errkind.Auth,
	KindInput:       errkind.Input,
	KindNotFound:    errkind.NotFound,
	KindFunction:    errkind.Failed,
}

// Failure returns the kind of failure k is (see pkg/errkind).
func (k Kind) Failure() errkind.Kind {
	if k >= 0 && int(k) < len(failureKinds) {
		return failureKinds[k]
	}
	return errkind.Remote
}

// ErrorInfo describes one WeChat errcode.
type ErrorInfo struct {
	Code    int
	Meaning string // short English description
	Kind    Kind
	Hint    string // what to do about it; may be empty
}

const (
	hintRetry       = "a transient WeChat error; retry later (tcb retries it with backoff)"
	hintSecret      = "check the AppSecret in the WeChat console (Development > Development settings) and reset it if unsure"
	hintAppID       = "check the AppID: it is case-sensitive and looks like wx followed by 16 hex digits"
	hintWhitelist   = "add this machine's public IP to the API IP whitelist in the WeChat console (Development > Development settings > IP whitelist)"
	hintAdmin       = "a console administrator must confirm this IP for API access; wait for the confirmation, or add the IP to the whitelist"
	hintStale       = "the access_token was replaced or expired; fetch the current token (compare-and-refresh) and retry once"
	hintDailyQuota  = "the daily quota is exhausted until midnight (China time); use stable_token (the default) and one central refresher, or reset with clear_quota (10 per month)"
	hintMinuteQuota = "the per-minute limit was hit; slow down and retry in the next minute"
	hintCaller      = "the request is malformed; this is usually a bug in the caller, please report it"
	hintCloudEnv    = "check the cloud environment id (-e/--env-id) and that cloud development is enabled for this app"
)

// errorTable lists every errcode named in the research reference
// (token endpoints, stable_token, common business codes, CloudBase HTTP API).
var errorTable = byCode(
	ErrorInfo{CodeSystemBusy, "system error (WeChat busy)", KindRetryable, hintRetry},
	ErrorInfo{CodeSystemError, "system error", KindOther, "a WeChat system error; retry later"},
	ErrorInfo{CodeOK, "ok", KindOther, ""},

	ErrorInfo{CodeInvalidCredential, "access_token invalid or not the latest", KindStaleToken, hintStale},
	ErrorInfo{CodeInvalidGrantType, "invalid grant_type", KindConfig, "grant_type must be client_credential"},
	ErrorInfo{CodeInvalidAppID, "invalid AppID", KindConfig, hintAppID},
	ErrorInfo{CodeInvalidToken, "invalid access_token", KindStaleToken, hintStale},
	ErrorInfo{CodeInvalidArgs, "invalid request parameters", KindInput, "check the request arguments"},
	ErrorInfo{CodeMissingParam, "missing required parameter", KindInput, "check the request arguments"},
	ErrorInfo{CodeInvalidSecret, "invalid AppSecret", KindConfig, hintSecret},
	ErrorInfo{CodeIPNotWhitelisted, "caller IP not in the API IP whitelist", KindIPWhitelist, hintWhitelist},
	ErrorInfo{CodeSecretFrozen, "AppSecret frozen", KindConfig, "the AppSecret is frozen; unfreeze it in the WeChat console"},
	ErrorInfo{CodeMissingToken, "access_token missing", KindStaleToken, "the call was sent without an access_token; this is a caller bug"},
	ErrorInfo{CodeMissingAppID, "AppID missing", KindConfig, "set the AppID (TCB_WX_APPID or the apps file)"},
	ErrorInfo{CodeMissingSecret, "AppSecret missing", KindConfig, "set the AppSecret (TCB_WX_SECRET or the apps file)"},
	ErrorInfo{CodeTokenExpired, "access_token expired", KindStaleToken, hintStale},
	ErrorInfo{CodeMethodNotAllowed, "HTTP method not allowed (POST required)", KindInput, hintCaller},
	ErrorInfo{CodeEmptyBody, "POST body empty", KindInput, hintCaller},
	ErrorInfo{CodeDailyQuota, "daily API quota exhausted", KindQuota, hintDailyQuota},
	ErrorInfo{CodeMinuteQuota, "per-minute API quota exhausted", KindQuota, hintMinuteQuota},
	ErrorInfo{CodeBadBody, "POST body malformed", KindInput, hintCaller},
	ErrorInfo{CodeAPIUnauthorized, "API not authorized for this app", KindConfig, "this app type may not call this API (tokens of different app types are isolated)"},
	ErrorInfo{CodeQuotaResetLimit, "quota reset limit reached", KindQuota, "clear_quota may be used at most 10 times a month"},
	ErrorInfo{CodePenalized, "app not allowed to use access_token (penalty)", KindConfig, "the account is restricted by WeChat; check the console notifications"},
	ErrorInfo{CodeAccountFrozen, "account frozen", KindConfig, "the account is frozen; check the WeChat console"},
	ErrorInfo{CodeIPNotRegistered, "caller IP not registered in the IP whitelist", KindIPWhitelist, hintWhitelist},
	ErrorInfo{CodeThirdPartyToken, "third-party platform token required", KindConfig, "this app is managed by a third-party platform; use the platform's authorizer_access_token"},
	ErrorInfo{CodeCloudNotEnabled, "cloud development not enabled for this app", KindConfig, hintCloudEnv},

	ErrorInfo{89501, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	ErrorInfo{89502, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	ErrorInfo{89503, "IP requires administrator confirmation", KindIPWhitelist, hintAdmin},
	ErrorInfo{89504, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	ErrorInfo{89505, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	ErrorInfo{89506, "IP rejected by the administrator (retry in 24 hours)", KindIPWhitelist, "the administrator rejected this IP; try again in 24 hours or add it to the whitelist"},
	ErrorInfo{89507, "IP confirmation rejected (retry in 1 hour)", KindIPWhitelist, "the confirmation was declined; try again in 1 hour or add the IP to the whitelist"},

	ErrorInfo{CodeCloudParamInvalid, "CloudBase parameter invalid (often a bad env id)", KindNotFound, hintCloudEnv},
	ErrorInfo{CodeCloudResource, "CloudBase resource or system error", KindOther, "a CloudBase error; the collection may already exist, or retry later"},
	ErrorInfo{CodeCloudInvalidParams, "CloudBase error", KindInput, ""},
	ErrorInfo{CodeDatabaseFailed, "database request failed", KindOther, "the database rejected the request; check the statement"},
	ErrorInfo{CodeCollectionMissing, "database collection does not exist", KindNotFound, "create the collection first (tcb db collection create)"},
	ErrorInfo{CodeCollectionExists, "database collection already exists", KindOther, ""},
	ErrorInfo{CodeFunctionFailed, "cloud function execution failed", KindFunction, "the function threw an error; check its logs"},
	ErrorInfo{CodeFunctionTimeout, "cloud function timed out", KindFunction, ""},
)

func byCode(infos ...ErrorInfo) map[int]ErrorInfo {
	m := make(map[int]ErrorInfo, len(infos))
	for _, info := range infos {
		m[info.Code] = info
	}
	return m
}

// tokenEndpointOverrides refine codes whose meaning differs on the token
// endpoints: there, 40001 means the AppSecret is wrong, not that a token is
// stale.
var tokenEndpointOverrides = map[int]ErrorInfo{
	CodeInvalidCredential: {CodeInvalidCredential, "invalid AppSecret (or AppID/AppSecret mismatch)", KindConfig, hintSecret},
}

// Classify returns what is known about a WeChat errcode. Unknown codes get
// KindOther and a generic meaning.
func Classify(code int) ErrorInfo {
	if info, ok := errorTable[code]; ok {
		return info
	}
	if code < 0 {
		return ErrorInfo{Code: code, Meaning: "CloudBase error", Kind: KindOther}
	}
	return ErrorInfo{Code: code, Meaning: "unknown WeChat error", Kind: KindOther}
}

// classifyAt is Classify with the request path taken into account.
func classifyAt(code int, path string) ErrorInfo {
	if isTokenPath(path) {
		if info, ok := tokenEndpointOverrides[code]; ok {
			return info
		}
	}
	return Classify(code)
}

// KnownCodes returns the errcode table sorted by code (for docs and tests).
func KnownCodes() []ErrorInfo {
	out := make([]ErrorInfo, 0, len(errorTable))
	for _, info := range errorTable {
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
