// Package cos is the emulator's cloud storage: one object engine with
// several doors onto it.
//
//   - The COS XML API of every environment's two buckets, the storage
//     bucket (EnvInfo.Storages[0].Bucket) and the hosting bucket
//     ("static-" + that name, DescribeStaticStore): PUT, GET (with one
//     Range), HEAD and DELETE of objects, PUT copy, GET bucket (prefix,
//     delimiter, marker, max-keys, encoding-type=url), multi-delete,
//     object ACLs, multipart uploads (initiate, upload part, complete,
//     abort, list parts, list uploads) and POST-object form uploads.
//     Requests are addressed virtual-hosted (the bucket is the first label
//     of the Host: <bucket>.cos.<region>.localhost:PORT, which browsers
//     and curl resolve to loopback; clients that cannot resolve it dial the
//     emulator and send that Host) or path-style
//     (http://127.0.0.1:PORT/<bucket>/<key>).
//   - Signatures are COS's q-sign-algorithm=sha1 scheme, in the
//     Authorization header, in the query (presigned URLs, also the merged
//     sign= form) or in a POST form (policy, or the Signature field the
//     WeChat upload flow hands out), checked with the emulator's
//     credentials: the development keys, --key extras and the temporary
//     keys of function invocations (x-cos-security-token), which reach only
//     their own environment's buckets. Key times, the signed header and
//     parameter lists and expiry are enforced; reads of objects whose ACL
//     is public-read, of storage buckets whose storage ACL is READONLY, and
//     of hosting buckets need no signature.
//   - ETags are what COS answers: the MD5 of a simply uploaded object,
//     md5(part MD5s)-N of a multipart one; x-cos-hash-crc64ecma is the
//     CRC-64/ECMA of the content (combined from the parts' without reading
//     them again), which cos-go-sdk-v5 checks after every upload.
//   - The tcb actions DescribeStaticStore, CreateStaticStore,
//     DestroyStaticStore, DescribeStorageACL and ModifyStorageACL.
//   - The WeChat HTTP API /tcb/uploadfile (answering the URL, token,
//     authorization, file_id and cos_file_id the client posts its form
//     with), /tcb/batchdownloadfile and /tcb/batchdeletefile.
//   - The server SDKs' /admin actions storage.getUploadMetadata,
//     storage.batchGetDownloadUrl, storage.batchDeleteFile,
//     storage.batchCopyFile and storage.getFileAuthority, so that
//     cloud.uploadFile / downloadFile / getTempFileURL / deleteFile work
//     inside functions. File ids are cloud://<envId>.<bucket>/<path>.
//   - SCF's temporary code buckets (<sh|gz|bj|sg>tempcos-1253665819) and
//     scf GetTempCosInfo, which signs one PUT of a function's zip there:
//     tcb fn deploy sends packages over the inline limit this way, and the
//     functions module reads them back through Host.Objects (tempcode.go).
//     Uploads older than yesterday (UTC) are removed at start and by the
//     next GetTempCosInfo, as the cloud's lifecycle rule removes them.
//   - Each environment's hosting bucket served as a website at its own
//     origin, http://<envId>.site.localhost:PORT/, so root-relative asset
//     paths work, and at http://HOST:PORT/site/<envId>/ for clients that
//     cannot resolve *.localhost: index document index.html (also in
//     directories), error document 404.html, content types, HEAD, ETag and
//     304 on If-None-Match / If-Modified-Since.
//
// Objects live in files under <data dir>/storage/blobs, streamed to a
// temporary file (hashed on the way, never held in memory) and renamed
// into place before the metadata (in the emulator's bbolt store, fsynced
// per commit) points at them, so a crash leaves either the old object or
// the new one. Concurrent uploads share metadata commits (a group commit
// that waits briefly for uploads under way), which keeps a tree upload
// near the disk's speed. At start, blobs nothing points at (a crash
// between the rename and the commit) are removed, and objects whose file
// is missing or short (a power loss before the unsynced data reached the
// disk; Options.Sync fsyncs every file instead) are dropped. A multipart
// object is the list of its part files, so completing an upload copies
// nothing; a copy is a hard link.
package cos
