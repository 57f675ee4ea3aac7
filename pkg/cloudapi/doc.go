// Package cloudapi is tcb's Tencent Cloud API 3.0 client, built on
// tencentcloud-sdk-go v1.0.162: the SDK signs (TC3-HMAC-SHA256) and sends,
// this package adds what that SDK version lacks — context cancellation,
// retries of idempotent reads, per-call timeouts, custom endpoints (the local
// emulator), typed errors that always carry the RequestId, and the actions
// the SDK's models do not have (tcb CreateEnv, scf InstallDependency, ...).
//
// The wire types in types_*.go use the API's own field names; the emulator
// reuses them so the client and the emulator can never disagree on shapes.
package cloudapi
