package project

import "strings"

// DefaultRegion is the region used when neither -r nor the config names one
// (the official CLI's fallback).
const DefaultRegion = "ap-shanghai"

// RegionShorthands are the short region names cloudbaserc accepts.
var RegionShorthands = map[string]string{
	"gz": "ap-guangzhou",
	"bj": "ap-beijing",
	"sh": "ap-shanghai",
	"nj": "ap-nanjing",
	"cd": "ap-chengdu",
	"cq": "ap-chongqing",
}

// NormalizeRegion expands a shorthand (gz, bj, sh, nj, cd, cq) and checks the
// shape of a full region name ("ap-guangzhou", "na-siliconvalley"). It
// returns false for anything else.
func NormalizeRegion(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if full, ok := RegionShorthands[s]; ok {
		return full, true
	}
	if isRegion(s) {
		return s, true
	}
	return "", false
}
