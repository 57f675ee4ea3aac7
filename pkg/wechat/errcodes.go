package wechat

import "sort"

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
	// expired or no longer the latest one; refresh it (compare-and-refresh)
	// and retry once.
	KindStaleToken
	// KindInput: the request itself is malformed (a caller bug or bad
	// arguments).
	KindInput
)

var kindNames = [...]string{
	KindOther:       "other",
	KindRetryable:   "retryable",
	KindConfig:      "config",
	KindIPWhitelist: "ip_whitelist",
	KindQuota:       "quota",
	KindStaleToken:  "stale_token",
	KindInput:       "input",
}

// String returns a stable lower-case name, suitable for logs and metrics.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
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
var errorTable = map[int]ErrorInfo{
	-1:    {-1, "system error (WeChat busy)", KindRetryable, hintRetry},
	-1000: {-1000, "system error", KindOther, "a WeChat system error; retry later"},
	0:     {0, "ok", KindOther, ""},

	40001: {40001, "access_token invalid or not the latest", KindStaleToken, hintStale},
	40002: {40002, "invalid grant_type", KindConfig, "grant_type must be client_credential"},
	40013: {40013, "invalid AppID", KindConfig, hintAppID},
	40014: {40014, "invalid access_token", KindStaleToken, hintStale},
	40097: {40097, "invalid request parameters", KindInput, "check the request arguments"},
	40101: {40101, "missing required parameter", KindInput, "check the request arguments"},
	40125: {40125, "invalid AppSecret", KindConfig, hintSecret},
	40164: {40164, "caller IP not in the API IP whitelist", KindIPWhitelist, hintWhitelist},
	40243: {40243, "AppSecret frozen", KindConfig, "the AppSecret is frozen; unfreeze it in the WeChat console"},
	41001: {41001, "access_token missing", KindInput, "the call was sent without an access_token; this is a caller bug"},
	41002: {41002, "AppID missing", KindConfig, "set the AppID (TCB_WX_APPID or the apps file)"},
	41004: {41004, "AppSecret missing", KindConfig, "set the AppSecret (TCB_WX_SECRET or the apps file)"},
	42001: {42001, "access_token expired", KindStaleToken, hintStale},
	43002: {43002, "HTTP method not allowed (POST required)", KindInput, hintCaller},
	44002: {44002, "POST body empty", KindInput, hintCaller},
	45009: {45009, "daily API quota exhausted", KindQuota, hintDailyQuota},
	45011: {45011, "per-minute API quota exhausted", KindQuota, hintMinuteQuota},
	47001: {47001, "POST body malformed", KindInput, hintCaller},
	48001: {48001, "API not authorized for this app", KindConfig, "this app type may not call this API (tokens of different app types are isolated)"},
	48006: {48006, "quota reset limit reached", KindQuota, "clear_quota may be used at most 10 times a month"},
	50004: {50004, "app not allowed to use access_token (penalty)", KindConfig, "the account is restricted by WeChat; check the console notifications"},
	50007: {50007, "account frozen", KindConfig, "the account is frozen; check the WeChat console"},
	61004: {61004, "caller IP not registered in the IP whitelist", KindIPWhitelist, hintWhitelist},
	61024: {61024, "third-party platform token required", KindConfig, "this app is managed by a third-party platform; use the platform's authorizer_access_token"},
	85088: {85088, "cloud development not enabled for this app", KindConfig, hintCloudEnv},

	89501: {89501, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	89502: {89502, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	89503: {89503, "IP requires administrator confirmation", KindIPWhitelist, hintAdmin},
	89504: {89504, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	89505: {89505, "IP pending administrator confirmation", KindIPWhitelist, hintAdmin},
	89506: {89506, "IP rejected by the administrator (retry in 24 hours)", KindIPWhitelist, "the administrator rejected this IP; try again in 24 hours or add it to the whitelist"},
	89507: {89507, "IP confirmation rejected (retry in 1 hour)", KindIPWhitelist, "the confirmation was declined; try again in 1 hour or add the IP to the whitelist"},

	-501000: {-501000, "CloudBase parameter invalid (often a bad env id)", KindInput, hintCloudEnv},
	-501001: {-501001, "CloudBase resource or system error", KindOther, "a CloudBase error; the collection may already exist, or retry later"},
	-502001: {-502001, "database request failed", KindOther, "the database rejected the request; check the statement"},
	-502005: {-502005, "database collection does not exist", KindInput, "create the collection first (tcb db collection create)"},
	-502006: {-502006, "database collection already exists", KindOther, ""},
	-504002: {-504002, "cloud function execution failed", KindOther, "the function threw an error; check its logs"},
}

// tokenEndpointOverrides refine codes whose meaning differs on the token
// endpoints: there, 40001 means the AppSecret is wrong, not that a token is
// stale.
var tokenEndpointOverrides = map[int]ErrorInfo{
	40001: {40001, "invalid AppSecret (or AppID/AppSecret mismatch)", KindConfig, hintSecret},
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
