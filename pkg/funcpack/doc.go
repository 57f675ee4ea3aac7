// Package funcpack owns everything about a cloud function's code archive:
//
//   - Pack / PackBytes build the deploy zip of a function directory: node-glob
//     style ignore rules, node_modules exclusion when dependencies are installed
//     in the cloud, parallel compression, and byte-for-byte deterministic output
//     (the CodeSha256 of a tree does not depend on the machine, the file system
//     order, mtimes or the umask).
//   - CheckZipSize / CheckInlineUpload enforce the Tencent Cloud limits on a
//     package before it is sent.
//   - SafeUnzip / Validate / ValidateZip / NewFS read untrusted archives (code
//     downloaded from the cloud, uploads received by the emulator) with strict
//     path, type, count, size and compression-ratio limits.
//
// The package never prints and never prompts; progress is reported through
// Options.Progress. It is shared by the CLI and the emulator and therefore
// imports neither.
//
// # Ignore patterns
//
// Options.Ignore follows node-glob's "ignore" option as the official CLI uses
// it (glob "**/*" with dot:true), with doublestar syntax:
//
//   - a pattern is matched against the whole slash-separated path relative
//     to the function directory: "*.log" matches "a.log" but not
//     "logs/a.log" (write "**/*.log" for any depth);
//   - "*", "?" and "**" match dotfiles too; "**" spans directories; "{a,b}"
//     and "[...]" are supported;
//   - a pattern that matches a directory excludes its whole subtree, so
//     "node_modules" and ".git" are enough on their own ("node_modules/**/*"
//     works too);
//   - leading "./" and "/" are removed; a trailing "/" restricts the
//     pattern to directories; blank patterns are ignored.
//
// Options.ExcludeNodeModules adds NodeModulesIgnore (top-level node_modules
// only, like the official CLI). Nothing else is excluded by default: pass
// ".git" and similar explicitly.
//
// # Archive layout and determinism
//
// A package contains only regular files (no directory entries, so empty
// directories are not packaged), sorted by their slash-separated path using
// byte order. Every entry carries the same DOS timestamp (2000-01-01 00:00:00,
// see FixedModTime), "version made by" Unix/2.0, no extra fields, and Unix
// mode 0644, or 0755 when the source file has any execute bit. Files are split
// into fixed 1 MiB chunks that are deflated independently (DefaultLevel) and
// concatenated, so the output does not depend on Options.Concurrency. A
// chunk whose sampled byte entropy says it is incompressible is written as
// stored deflate blocks, and a single-chunk file whose deflated form is not
// smaller than itself is stored (method 0). All of these decisions depend on
// the bytes only. The archive therefore depends only on the tree contents,
// the names, the exec bits, Options.Level and the Go version's
// compress/flate.
//
// # Symbolic links
//
// Pack resolves the function directory itself with filepath.EvalSymlinks and
// then, for every symbolic link found inside it:
//
//   - a link whose final target is a regular file inside the directory is
//     packaged as a regular file with the target's contents and exec bit, under
//     the link's own path;
//   - a link whose final target is a directory inside the directory is walked
//     like a directory (this keeps pnpm-style node_modules working), unless the
//     target is the directory itself or one of its ancestors on the current
//     path, which would loop: such a link is skipped;
//   - a link that escapes the directory, dangles, or points at anything else
//     (device, socket, ...) is skipped.
//
// Skipped links are listed in Stats.Skipped with the reason, so the CLI can
// warn about them; they never fail the build. Sockets, devices and pipes are
// skipped the same way. Ignore rules are matched against the link's path, not
// the target's. Symbolic links are never stored as links.
//
// # Errors
//
// Limit and archive errors wrap one sentinel each (ErrEmptyPackage,
// ErrZipTooLarge, ErrInlineTooLarge, ErrUnsafePath, ErrLinkEntry, ...) and
// carry details in *EmptyPackageError, *SizeError or *EntryError. A CLI
// would map ErrEmptyPackage and the size errors to "invalid input" and the
// archive errors to "local file error".
package funcpack
