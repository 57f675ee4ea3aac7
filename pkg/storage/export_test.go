package storage

import "time"

// Hashed counts the files hashed to compare them with the bucket.
var Hashed = &hashed

// SetCacheClock sets the clock checksum cache entries are recorded with.
func SetCacheClock(f func() time.Time) { now = f }
