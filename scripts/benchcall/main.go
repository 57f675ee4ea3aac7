// Command benchcall is the baseline of scripts/bench-api.sh: the same
// signed Cloud API call `tcb api SERVICE ACTION` makes (pkg/cloudapi, the
// SDK's signer), from the smallest Go program that can make it, printing the
// raw response. tcb api's overhead is reported against it.
//
//	go run ./scripts/benchcall -endpoint http://127.0.0.1:9800 tcb DescribeEnvs
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tcb-go/tcb/pkg/cloudapi"
	"github.com/tcb-go/tcb/pkg/config"
)

func main() {
	endpoint := flag.String("endpoint", "", "Cloud API endpoint (the emulator's http://host:port)")
	flag.Parse()
	if flag.NArg() != 2 || *endpoint == "" {
		fmt.Fprintln(os.Stderr, "usage: benchcall -endpoint URL SERVICE ACTION")
		os.Exit(2)
	}
	c, err := cloudapi.New(cloudapi.Options{Credential: cloudapi.Credential{SecretID: config.EmulatorSecretID,
		SecretKey: config.EmulatorSecretKey}, Region: "ap-shanghai", Endpoint: *endpoint, MaxAttempts: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	service, action := flag.Arg(0), flag.Arg(1)
	raw, err := c.CallVersion(context.Background(), service, cloudapi.KnownVersions[service], action, []byte("{}"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(append(raw, '\n'))
}
