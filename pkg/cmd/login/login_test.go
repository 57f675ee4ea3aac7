package login

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tcb-go/tcb/internal/emulatortest"
	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/cmdutil"
	"github.com/tcb-go/tcb/pkg/config"
	"github.com/tcb-go/tcb/pkg/emulator"
	"github.com/tcb-go/tcb/pkg/iostreams"
	"github.com/tcb-go/tcb/pkg/prompt"
)

type harness struct {
	f        *cmdutil.Factory
	out, err *strings.Builder
	fake     *prompt.Fake
	emu      *emulator.Emulator
}

func setup(t *testing.T, tty bool) *harness {
	t.Helper()
	emu := emulatortest.Start(t, emulatortest.Options{}).Emulator
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	f := cmdutil.New("test", ios)
	dir := t.TempDir()
	f.Getenv = func(k string) string {
		if k == "TCB_CONFIG_DIR" {
			return dir
		}
		return ""
	}
	f.Globals.Endpoint = emu.Endpoint()
	fake := &prompt.Fake{}
	f.Prompter = fake
	h := &harness{f: f, fake: fake, emu: emu, out: &strings.Builder{}, err: &strings.Builder{}}
	t.Cleanup(func() {
		// Secrets never reach the user's screen.
		for _, s := range []string{out.String(), errOut.String()} {
			if strings.Contains(s, config.EmulatorSecretKey) {
				t.Errorf("secret key printed: %q", s)
			}
		}
	})
	return h
}

func TestInteractiveLoginWithFakePrompter(t *testing.T) {
	h := setup(t, true)
	// An environment to pick as the default.
	client, _ := h.f.NewCloudAPI(config.Credentials{SecretID: config.EmulatorSecretID, SecretKey: config.EmulatorSecretKey}, "ap-shanghai")
	if _, err := client.CreateEnv(context.Background(), &cloudapi.CreateEnvRequest{Alias: "pick"}); err != nil {
		t.Fatal(err)
	}
	h.fake.Answer("SecretId", config.EmulatorSecretID).
		Answer("SecretKey", config.EmulatorSecretKey).
		Answer("Region", "ap-guangzhou").
		Answer("Default environment", "pick ")
	if err := Run(context.Background(), &Options{F: h.f}); err != nil {
		t.Fatal(err)
	}
	if err := h.fake.Verify(); err != nil {
		t.Fatal(err)
	}
	store, _ := h.f.Config()
	c, _ := store.Credentials("default")
	if c.SecretID != config.EmulatorSecretID || c.SecretKey != config.EmulatorSecretKey {
		t.Fatalf("stored %+v", c)
	}
	s, _ := store.Settings("default")
	if s.Region != "ap-guangzhou" || !strings.HasPrefix(s.EnvID, "pick-") {
		t.Fatalf("settings %+v", s)
	}
	st, _ := os.Stat(store.CredentialsPath())
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
	}
}

func TestRejectedKeysStoreNothing(t *testing.T) {
	h := setup(t, false)
	err := Run(context.Background(), &Options{F: h.f, SecretID: config.EmulatorSecretID, SecretKey: "wrong-key"})
	if e, ok := err.(*cmdutil.Error); !ok || e.Code != cmdutil.ExitAuth {
		t.Fatalf("want exit 2, got %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("error leaks the key: %v", err)
	}
	store, _ := h.f.Config()
	if _, err := os.Stat(store.CredentialsPath()); !os.IsNotExist(err) {
		t.Fatalf("credentials written after a rejected login (%v)", err)
	}
}

func TestNonInteractiveNeedsFlags(t *testing.T) {
	h := setup(t, false)
	err := Run(context.Background(), &Options{F: h.f})
	e, ok := err.(*cmdutil.Error)
	if !ok || e.Code != cmdutil.ExitInput || !strings.Contains(e.Error(), "--secret-id") {
		t.Fatalf("want exit 3 naming --secret-id, got %v", err)
	}
	if len(h.fake.Asked) != 0 {
		t.Fatalf("prompted without a terminal: %v", h.fake.Asked)
	}
}

func TestSecretKeyFromStdin(t *testing.T) {
	h := setup(t, false)
	h.f.IOStreams.In = strings.NewReader(config.EmulatorSecretKey + "\n")
	if err := Run(context.Background(), &Options{F: h.f, SecretID: config.EmulatorSecretID}); err != nil {
		t.Fatal(err)
	}
	store, _ := h.f.Config()
	c, _ := store.Credentials("default")
	if c.SecretKey != config.EmulatorSecretKey {
		t.Fatalf("stored %+v", c)
	}
}
