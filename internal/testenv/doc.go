// Package testenv holds test helpers for tcb's own tests: real servers they
// need, started on a free port (StartRedis: a real redis-server).
//
// WeChat is never faked here: tests run against the emulator's WeChat
// module in process (see internal/emulatortest).
package testenv
