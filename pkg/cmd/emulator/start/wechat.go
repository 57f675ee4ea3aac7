package start

import (
	"time"

	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/emulator/wxapi"
)

// parseWx validates the WeChat token flags.
func (o *Options) parseWx() error {
	o.wxApps = map[string]string{}
	for _, v := range o.WxApps {
		id, secret, err := wxapi.ParseApp(v)
		if err != nil {
			return cmdutil.FlagErrorf("--wx-app: %v", err)
		}
		o.wxApps[id] = secret
	}
	if o.TokenTTL < time.Second {
		return cmdutil.FlagErrorf("--token-ttl must be at least 1s")
	}
	if o.TokenOverlap <= 0 || o.TokenOverlap >= o.TokenTTL {
		return cmdutil.FlagErrorf("--token-overlap must be positive and below --token-ttl (%v)", o.TokenTTL)
	}
	if o.TokenDailyQuota == 0 || o.TokenDailyQuota < -1 {
		return cmdutil.FlagErrorf("--token-daily-quota must be positive, or -1 for unlimited")
	}
	return nil
}

// wxOptions are the wechat module's options (defaults when the flags were
// never parsed, e.g. in tests that build Options by hand).
func (o *Options) wxOptions() wxapi.Options {
	return wxapi.Options{
		Apps:             o.wxApps,
		TTL:              o.TokenTTL,
		Overlap:          o.TokenOverlap,
		LegacyDailyQuota: o.TokenDailyQuota,
	}
}
