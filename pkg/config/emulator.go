package config

// Development credentials of the local emulator. They are public on
// purpose (like Firebase's demo project): the emulator accepts them in
// strict mode and `tcb emulator env` prints them. They grant nothing in the
// real cloud.
const (
	EmulatorSecretID  = "AKIDtcbEmulatorLocalDevKey00001"
	EmulatorSecretKey = "tcbEmulatorLocalDevSecretKey000"
	EmulatorWxAppID   = "wx0e1a2b3c4d5e6f70"
	EmulatorWxSecret  = "0e0a0b0c0d0e0f000102030405060708"
)
