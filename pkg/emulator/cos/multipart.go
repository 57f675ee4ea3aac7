package cos

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// newUploadID returns an id like COS's: a timestamp then random hex.
func newUploadID(now time.Time) string {
	var b [24]byte
	rand.Read(b[:])
	return strconv.FormatInt(now.Unix(), 10) + hex.EncodeToString(b[:])
}

func (c *reqCtx) initiateUpload() {
	headers, e := objectHeaders(c.r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	acl, e := cannedACL(c.r.Header)
	if e != nil {
		c.fail(e)
		return
	}
	now := c.m.now()
	id := newUploadID(now)
	u := &upload{Bucket: c.t.Bucket, Key: c.key, Initiated: now.UnixNano(), Type: contentType(c.r.Header.Get("Content-Type"), c.key),
		Headers: headers, ACL: acl, Owner: c.creator(), Env: c.t.Env.EnvID}
	if err := c.m.db.createUpload(id, u); err != nil {
		c.fail(errInternal(err))
		return
	}
	writeXML(c.w, struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		UploadID string   `xml:"UploadId"`
	}{Bucket: c.t.Bucket, Key: c.key, UploadID: id})
}

// upload returns the upload named by ?uploadId, which must be for this
// bucket and key.
func (c *reqCtx) upload() (string, *upload, bool) {
	id := c.q.Get("uploadId")
	u, err := c.m.db.getUpload(id)
	if err != nil {
		c.fail(errInternal(err))
		return "", nil, false
	}
	if u == nil || u.Bucket != c.t.Bucket || u.Key != c.key {
		c.fail(errNoSuchUpload())
		return "", nil, false
	}
	return id, u, true
}

func (c *reqCtx) uploadPart() {
	n, err := strconv.Atoi(c.q.Get("partNumber"))
	if err != nil || n < 1 || n > MaxParts {
		c.fail(errf(http.StatusBadRequest, "InvalidArgument", "partNumber must be an integer from 1 to %d.", MaxParts))
		return
	}
	if c.r.ContentLength > MaxPartSize {
		c.fail(errf(http.StatusBadRequest, "EntityTooLarge", "A part may have at most %d bytes.", int64(MaxPartSize)))
		return
	}
	id, _, ok := c.upload()
	if !ok {
		return
	}
	c.m.db.group.begin()
	begun := true
	defer func() {
		if begun {
			c.m.db.group.end()
		}
	}()
	wr, err := c.m.blobs.write(c.body(), MaxPartSize)
	if err != nil {
		c.failWrite(err)
		return
	}
	drop := []segment{{Blob: wr.Blob}}
	if e := checkMD5(c.r.Header, wr.MD5); e != nil {
		c.m.blobs.remove(drop)
		c.fail(e)
		return
	}
	if c.r.ContentLength >= 0 && wr.Size != c.r.ContentLength {
		c.m.blobs.remove(drop)
		c.fail(errf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."))
		return
	}
	p := &part{Blob: wr.Blob, Size: wr.Size, MD5: hex.EncodeToString(wr.MD5), CRC: wr.CRC, Modified: c.m.now().UnixNano()}
	begun = false
	old, err := c.m.db.putPartAfter(true, id, n, p)
	if err != nil {
		c.m.blobs.remove(drop)
		if errors.Is(err, errNoUpload) {
			c.fail(errNoSuchUpload())
			return
		}
		c.fail(errInternal(err))
		return
	}
	c.m.blobs.remove(old)
	c.m.parts.Add(1)
	c.m.bytesIn.Add(wr.Size)
	c.w.Header().Set("ETag", `"`+p.MD5+`"`)
	c.w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(p.CRC, 10))
	c.w.WriteHeader(http.StatusOK)
}

func (c *reqCtx) completeUpload() {
	id, _, ok := c.upload()
	if !ok {
		return
	}
	var req struct {
		Parts []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
		} `xml:"Part"`
	}
	if e := c.readXML(&req); e != nil {
		c.fail(e)
		return
	}
	want := make([]completedPart, len(req.Parts))
	for i, p := range req.Parts {
		want[i] = completedPart{N: p.PartNumber, ETag: p.ETag}
	}
	u, o, garbage, err := c.m.db.complete(id, want, c.m.now())
	var ce *completeError
	switch {
	case errors.As(err, &ce):
		c.fail(errf(http.StatusBadRequest, ce.code, "%s", ce.msg))
		return
	case errors.Is(err, errNoUpload):
		c.fail(errNoSuchUpload())
		return
	case err != nil:
		c.fail(errInternal(err))
		return
	}
	c.m.blobs.remove(garbage)
	c.w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC, 10))
	writeXML(c.w, struct {
		XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
		Location string   `xml:"Location"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		ETag     string   `xml:"ETag"`
	}{Location: c.t.Bucket + ".cos." + c.t.Region() + ".myqcloud.com/" + u.Key, Bucket: u.Bucket, Key: u.Key, ETag: `"` + o.ETag + `"`})
}

func (c *reqCtx) abortUpload() {
	id, _, ok := c.upload()
	if !ok {
		return
	}
	segs, err := c.m.db.abort(id)
	if errors.Is(err, errNoUpload) {
		c.fail(errNoSuchUpload())
		return
	}
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	c.m.blobs.remove(segs)
	c.w.WriteHeader(http.StatusNoContent)
}

type xmlPart struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

func (c *reqCtx) listParts() {
	id, u, ok := c.upload()
	if !ok {
		return
	}
	enc, et, e := c.encoder()
	if e != nil {
		c.fail(e)
		return
	}
	max, marker := 1000, 0
	if v := c.q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			c.fail(errf(http.StatusBadRequest, "InvalidArgument", "max-parts %q is not a positive number.", v))
			return
		}
		max = min(n, 1000)
	}
	if v := c.q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(errf(http.StatusBadRequest, "InvalidArgument", "part-number-marker %q is not a number.", v))
			return
		}
		marker = n
	}
	parts, more, err := c.m.db.listParts(id, marker, max)
	if errors.Is(err, errNoUpload) {
		c.fail(errNoSuchUpload())
		return
	}
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	res := struct {
		XMLName              xml.Name  `xml:"ListPartsResult"`
		Bucket               string    `xml:"Bucket"`
		EncodingType         string    `xml:"Encoding-type,omitempty"`
		Key                  string    `xml:"Key"`
		UploadID             string    `xml:"UploadId"`
		Initiator            *xmlOwner `xml:"Initiator"`
		Owner                *xmlOwner `xml:"Owner"`
		StorageClass         string    `xml:"StorageClass"`
		PartNumberMarker     int       `xml:"PartNumberMarker"`
		NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
		MaxParts             int       `xml:"MaxParts"`
		IsTruncated          bool      `xml:"IsTruncated"`
		Parts                []xmlPart `xml:"Part"`
	}{Bucket: u.Bucket, EncodingType: et, Key: enc(u.Key), UploadID: id, Initiator: c.owner(), Owner: c.owner(),
		StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: max, IsTruncated: more}
	for _, p := range parts {
		res.Parts = append(res.Parts, xmlPart{PartNumber: p.N, LastModified: time.Unix(0, p.Modified).UTC().Format(isoTime),
			ETag: `"` + p.MD5 + `"`, Size: p.Size})
		res.NextPartNumberMarker = p.N
	}
	writeXML(c.w, res)
}

func (c *reqCtx) listUploads() {
	enc, et, e := c.encoder()
	if e != nil {
		c.fail(e)
		return
	}
	max := 1000
	if v := c.q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			c.fail(errf(http.StatusBadRequest, "InvalidArgument", "max-uploads %q is not a positive number.", v))
			return
		}
		max = min(n, 1000)
	}
	prefix, keyMarker, idMarker := c.q.Get("prefix"), c.q.Get("key-marker"), c.q.Get("upload-id-marker")
	all, err := c.m.db.listUploads(c.t.Bucket, prefix)
	if err != nil {
		c.fail(errInternal(err))
		return
	}
	type xmlUpload struct {
		Key          string    `xml:"Key"`
		UploadID     string    `xml:"UploadId"`
		StorageClass string    `xml:"StorageClass"`
		Initiator    *xmlOwner `xml:"Initiator"`
		Owner        *xmlOwner `xml:"Owner"`
		Initiated    string    `xml:"Initiated"`
	}
	res := struct {
		XMLName            xml.Name    `xml:"ListMultipartUploadsResult"`
		Bucket             string      `xml:"Bucket"`
		EncodingType       string      `xml:"Encoding-Type,omitempty"`
		KeyMarker          string      `xml:"KeyMarker"`
		UploadIDMarker     string      `xml:"UploadIdMarker"`
		NextKeyMarker      string      `xml:"NextKeyMarker,omitempty"`
		NextUploadIDMarker string      `xml:"NextUploadIdMarker,omitempty"`
		MaxUploads         int         `xml:"MaxUploads"`
		IsTruncated        bool        `xml:"IsTruncated"`
		Prefix             string      `xml:"Prefix"`
		Uploads            []xmlUpload `xml:"Upload"`
	}{Bucket: c.t.Bucket, EncodingType: et, KeyMarker: enc(keyMarker), UploadIDMarker: idMarker, MaxUploads: max, Prefix: enc(prefix)}
	for _, u := range all {
		if keyMarker != "" && (u.Key < keyMarker || u.Key == keyMarker && (idMarker == "" || u.ID <= idMarker)) {
			continue
		}
		if len(res.Uploads) >= max {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, xmlUpload{Key: enc(u.Key), UploadID: u.ID, StorageClass: "STANDARD", Initiator: c.owner(),
			Owner: c.owner(), Initiated: time.Unix(0, u.Initiated).UTC().Format(isoTime)})
		res.NextKeyMarker, res.NextUploadIDMarker = enc(u.Key), u.ID
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	writeXML(c.w, res)
}
