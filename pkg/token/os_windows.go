package token

const isWindows = true
