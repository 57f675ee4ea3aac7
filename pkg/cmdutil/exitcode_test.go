package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/database"
	"github.com/tcb-go/tcb/pkg/errkind"
	"github.com/tcb-go/tcb/pkg/project"
	"github.com/tcb-go/tcb/pkg/prompt"
	"github.com/tcb-go/tcb/pkg/token"
	"github.com/tcb-go/tcb/pkg/wechat"
)

func TestExitCodeForEachKind(t *testing.T) {
	want := map[errkind.Kind]int{
		errkind.Failed:      ExitError,
		errkind.Auth:        ExitAuth,
		errkind.Input:       ExitInput,
		errkind.NotFound:    ExitNotFound,
		errkind.Remote:      ExitAPI,
		errkind.Local:       ExitLocal,
		errkind.Interrupted: ExitInterrupted,
	}
	for k, code := range want {
		if got := ExitCodeFor(k); got != code {
			t.Errorf("%v: exit %d, want %d", k, got, code)
		}
		if got := ExitCode(errkind.New(k, "x")); got != code {
			t.Errorf("an error of kind %v: exit %d, want %d", k, got, code)
		}
	}
	// Every code of the documented table but 0 is some kind's.
	for _, row := range ExitCodeTable {
		found := row.Code == ExitOK
		for _, code := range want {
			found = found || code == row.Code
		}
		if !found {
			t.Errorf("exit %d (%s) is no kind's", row.Code, row.Meaning)
		}
	}
}

// Each domain's errors exit with the code of their kind, bare, wrapped by
// fmt, and through CallError, the wrapper of the db, fn invoke and token
// commands.
func TestExitCodeOfDomainErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"cloudapi auth", &cloudapi.APIError{Code: "AuthFailure.SecretIdNotFound"}, ExitAuth},
		{"cloudapi unauthorized", &cloudapi.APIError{Code: "UnauthorizedOperation"}, ExitAuth},
		{"cloudapi input", &cloudapi.APIError{Code: "InvalidParameterValue.Name"}, ExitInput},
		{"cloudapi missing parameter", &cloudapi.APIError{Code: "MissingParameter"}, ExitInput},
		{"cloudapi not found", &cloudapi.APIError{Code: "ResourceNotFound.Function"}, ExitNotFound},
		{"cloudapi other", &cloudapi.APIError{Code: "FailedOperation"}, ExitAPI},
		{"cloudapi network", &cloudapi.NetworkError{Endpoint: "x", Action: "y", Err: errors.New("refused")}, ExitAPI},
		{"cloudapi named resource", &cloudapi.NotFoundError{Kind: "environment", Name: "e"}, ExitNotFound},

		{"wechat config", &wechat.APIError{Code: wechat.CodeInvalidSecret, Path: wechat.PathStableToken}, ExitAuth},
		{"wechat legacy wrong secret", &wechat.APIError{Code: wechat.CodeInvalidCredential, Path: wechat.PathToken}, ExitAuth},
		{"wechat stale token", &wechat.APIError{Code: wechat.CodeInvalidCredential, Path: wechat.PathDatabaseQuery}, ExitAuth},
		{"wechat missing token", &wechat.APIError{Code: wechat.CodeMissingToken, Path: wechat.PathDatabaseQuery}, ExitAuth},
		{"wechat input", &wechat.APIError{Code: wechat.CodeCloudInvalidParams}, ExitInput},
		{"wechat bad body", &wechat.APIError{Code: wechat.CodeBadBody}, ExitInput},
		{"wechat missing collection", &wechat.APIError{Code: wechat.CodeCollectionMissing}, ExitNotFound},
		{"wechat missing function", &wechat.APIError{Code: wechat.CodeCloudParamInvalid}, ExitNotFound},
		{"wechat function failed", &wechat.APIError{Code: wechat.CodeFunctionFailed}, ExitError},
		{"wechat quota", &wechat.APIError{Code: wechat.CodeDailyQuota}, ExitAPI},
		{"wechat ip", &wechat.APIError{Code: wechat.CodeIPNotWhitelisted}, ExitAPI},
		{"wechat busy", &wechat.APIError{Code: wechat.CodeSystemBusy}, ExitAPI},
		{"wechat unknown", &wechat.APIError{Code: 99999}, ExitAPI},
		{"wechat transport", &wechat.TransportError{Method: "POST", Path: "/x"}, ExitAPI},
		{"wechat status", &wechat.StatusError{Method: "POST", Path: "/x", StatusCode: 502}, ExitAPI},

		{"token server 401", &token.ServerError{StatusCode: 401}, ExitAuth},
		{"token server unknown app", &token.ServerError{StatusCode: 404, Code: "unknown_app"}, ExitNotFound},
		{"token server 400", &token.ServerError{StatusCode: 400}, ExitInput},
		{"token server 503", &token.ServerError{StatusCode: 503}, ExitAPI},
		{"token force limit", &token.ForceLimitError{AppID: "wx1"}, ExitError},
		{"token unknown app", fmt.Errorf("%w wx1", token.ErrUnknownApp), ExitInput},

		{"database missing collection", database.ErrCollectionMissing, ExitNotFound},
		{"database missing collection, joined", errors.Join(database.ErrCollectionMissing, &cloudapi.APIError{Code: "FailedOperation"}), ExitNotFound},
		{"config file", &config.FileError{Path: "p", Err: errors.New("bad")}, ExitLocal},
		{"project config", &project.ConfigError{File: "cloudbaserc.json", Problem: "bad"}, ExitLocal},
		{"project missing", &project.NotFoundError{Dir: "."}, ExitLocal},
		{"prompt without a terminal", &prompt.NoTTYError{Question: "q"}, ExitInput},
		{"prompt interrupted", prompt.ErrInterrupted, ExitInterrupted},
		{"cancelled", context.Canceled, ExitInterrupted},
		{"plain", errors.New("boom"), ExitError},
	}
	for _, tc := range cases {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.want)
		}
		if got := ExitCode(fmt.Errorf("context: %w", tc.err)); got != tc.want {
			t.Errorf("%s, wrapped: exit %d, want %d", tc.name, got, tc.want)
		}
		if got := ExitCode(CallError("what", tc.err)); got != tc.want {
			t.Errorf("%s, through CallError: exit %d, want %d", tc.name, got, tc.want)
		}
	}
}

// The command layer's own errors keep their codes, and an outer code wins
// over an inner kind.
func TestExitCodeOfCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{FlagErrorf("x"), ExitInput},
		{AuthErrorf("x"), ExitAuth},
		{NotFoundErrorf("x"), ExitNotFound},
		{APIErrorf("x"), ExitAPI},
		{LocalErrorf("x"), ExitLocal},
		{Errorf("x"), ExitError},
		{SilentExit{Code: 7}, 7},
		{WithCode(ExitInput, &cloudapi.APIError{Code: "FailedOperation"}), ExitInput},
		{Wrap("x", &cloudapi.APIError{Code: "ResourceNotFound"}), ExitNotFound},
		{errors.New("unknown flag: --nope"), ExitInput},
		{nil, ExitOK},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.err, got, tc.want)
		}
	}
	if Wrap("x", nil) != nil || CallError("x", nil) != nil {
		t.Error("nil must stay nil")
	}
}
