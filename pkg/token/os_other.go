//go:build !windows

package token

const isWindows = false
