package token

import "github.com/tcb-go/tcb/pkg/wechat"

func errcodeOf(err error) (int, bool) { return wechat.ErrCode(err) }
