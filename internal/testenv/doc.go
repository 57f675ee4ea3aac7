// Package testenv holds test helpers for tcb's own tests: a real
// redis-server started on a free port (StartRedis) and WxToken, a small
// httptest double of WeChat's token endpoints used by the unit tests of
// pkg/wechat and pkg/token.
//
// WxToken is a test double, not the emulator: end-to-end tests must run
// against the real emulator (pkg/emulator) instead.
package testenv
