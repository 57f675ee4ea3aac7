package project

// Region is a region CloudBase environments can live in.
type Region struct {
	ID   string // ap-shanghai
	Name string // Shanghai
}

// Regions are CloudBase's regions, the domestic site's first (the default
// first of all), then the international site's.
var Regions = []Region{
	{"ap-shanghai", "Shanghai"},
	{"ap-guangzhou", "Guangzhou"},
	{"ap-beijing", "Beijing"},
	{"ap-nanjing", "Nanjing"},
	{"ap-chengdu", "Chengdu"},
	{"ap-chongqing", "Chongqing"},
	{"ap-singapore", "Singapore (international site)"},
}
