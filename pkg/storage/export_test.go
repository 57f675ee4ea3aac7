package storage

import (
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// Hashed counts the files hashed to compare them with the bucket.
var Hashed = &hashed

// SetCacheClock sets the clock checksum cache entries are recorded with.
func SetCacheClock(f func() time.Time) { now = f }

// SDK is the client's cos-go-sdk-v5 client.
func (c *Client) SDK() *cos.Client { return c.cos }
