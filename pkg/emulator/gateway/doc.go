// Package gateway is the emulator's HTTP access service (HTTP 访问服务):
// an emulator.Module that stores each environment's access paths and
// serves them, routing HTTP requests to cloud functions as
// https://<envId>.service.tcloudbase.com does.
//
// # Actions (tcb 2018-06-08)
//
// CreateCloudBaseGWAPI, DescribeCloudBaseGWAPI, DeleteCloudBaseGWAPI,
// DescribeCloudBaseGWService, DescribeCloudBaseGWPrivilege,
// ModifyCloudBaseGWPrivilege, ModifyCloudBaseGWAPIPrivilegeBatch,
// BindCloudBaseAccessDomain (and manager-node's BindCloudBaseGWDomain) and
// DeleteCloudBaseGWDomain, with the wire types of pkg/cloudapi
// (types_gw.go). ServiceId is the environment id. Only Type 1 (cloud
// function) paths exist here; Type 2 (CloudBase Run) answers
// UnsupportedOperation. Creating a path that exists answers
// InvalidParameter.APICreated, as the cloud does (the official CLI turns it
// into "路径已存在"). The service is on for a new environment.
//
// # Storage
//
// Paths live in the host's bbolt store under gw_apis/<envId>/<APIId>, the
// switches and custom domains under gw_env/<envId>; an in-memory route table
// per environment is rebuilt from the store after every change (and after a
// restart), so a request reads no file.
//
// # Serving
//
// An environment's service answers at its own origin,
// http://<envId>.service.localhost:PORT/<path> (any *.localhost name passes
// the emulator's Host check), and under the emulator's address at
// /_service/<envId>/<path>. A bound custom domain answers too when the
// emulator was started with --allow-host for it.
//
// The request path is cleaned (".", ".." and repeated slashes resolved, as
// a browser would) and routed to the path with the longest matching prefix,
// compared by whole segments: /api serves /api, /api/ and /api/users, never
// /apix. The function sees the cleaned full request path.
//
// An event function gets the integration request:
//
//	{"path":"/api/users","httpMethod":"POST","headers":{"content-type":"..."},
//	 "queryStringParameters":{"a":"1"},"body":"...","isBase64Encoded":false,
//	 "requestContext":{"requestId":"...","envId":"...","appId":...,"uin":...}}
//
// Header names are lower case; repeated headers and query parameters are
// joined with ",". A body of a textual type (text/*, JSON, XML, form
// encoding, JavaScript) that is valid UTF-8 is passed as it is; any other
// body is base64 with isBase64Encoded true.
//
// The return value becomes the response: an object with a numeric
// statusCode is an integration response (statusCode, headers, body,
// isBase64Encoded); a string or a number is text/plain; anything else is
// JSON (application/json). Header names must be HTTP tokens and values may
// not hold CR, LF or NUL: an integration response breaking that is refused
// with 502 (no header is ever split). Content-Length, Transfer-Encoding and
// Connection from the function are ignored.
//
// Errors are JSON {"code","message","requestId"} with the codes of the
// platform's HTTP access service:
//
//	404 INVALID_ENV                 no such environment
//	403 HTTPSERVICE_NONACTIVATED    the service is switched off
//	404 INVALID_PATH                no path matches
//	404 ENV_FEATURE_NOT_CONFIGURED  the path's function does not exist
//	400 INVALID_REQUEST             a path with a NUL byte, ...
//	413 EXCEED_MAX_PAYLOAD_SIZE     the event would be over SCF's 6 MB
//	502 FUNCTIONS_EXECUTE_FAIL      the function threw, crashed or is not ready
//	502 EXCEED_MAX_RESPONSE_SIZE    the return value is over 6 MB
//	502 BAD_GATEWAY                 an invalid integration response
//	504 FUNCTIONS_TIME_LIMIT_EXCEEDED  the function timed out
//
// A client that goes away cancels the invocation (the instance is stopped,
// as after a timeout).
//
// Web functions (Type HTTP) are not invoked with an event: the functions
// module starts the function's scf_bootstrap, which runs the user's own web
// server on the port it is given (PORT, 9000 on SCF; a free port here), and
// the gateway proxies the request to it unchanged (streamed both ways).
// Both kinds run the version the function's $DEFAULT alias routes the
// request to (`tcb fn config-route`; X-Tcb-Route-Key picks a side of a
// split, a random draw without it), each version of a web function with
// its own server. A web function's server is stopped after
// functions.Options.WebIdleTimeout without requests (the emulator's
// clock), and each request is a line "METHOD /path STATUS 1.234ms" in the
// function's logs (`tcb fn log`); an event function's invocation is logged
// as any invocation is.
//
// # Not emulated
//
// The authentication switches (authswitch) are stored and reported but not
// enforced: the emulator has no CloudBase end-user login to check a
// request against.
package gateway
