// Package export_wasi_http_incoming_handler is the HTTP handler: `GET /` and
// `GET /hello?name=NAME` (answered by the greeter); anything else is a 404.
package export_wasi_http_incoming_handler

import (
	"fmt"
	"net/url"
	"strings"

	greeter "wit_component/local_{{snake}}_greeter"
	. "wit_component/wasi_http_types"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// Handle answers one request; each request runs in a fresh instance.
func Handle(request *IncomingRequest, responseOut *ResponseOutparam) {
	target := request.PathWithQuery().SomeOr("/")
	path, query, _ := strings.Cut(target, "?")
	isGet := request.Method().Tag() == MethodGet
	request.Drop()
	switch {
	case isGet && path == "/":
		respond(responseOut, 200, "{{name}}: try /hello?name=you\n")
	case isGet && path == "/hello":
		name := "world"
		if values, err := url.ParseQuery(query); err == nil && values.Get("name") != "" {
			name = values.Get("name")
		}
		respond(responseOut, 200, greeter.Greet(name)+"\n")
	default:
		respond(responseOut, 404, fmt.Sprintf("no route for %s\n", path))
	}
}

func respond(responseOut *ResponseOutparam, status uint16, text string) {
	headers := MakeFields()
	headers.Append("content-type", []byte("text/plain; charset=utf-8"))
	response := MakeOutgoingResponse(headers)
	response.SetStatusCode(status)
	body := response.Body().Ok()
	ResponseOutparamSet(responseOut, witTypes.Ok[*OutgoingResponse, ErrorCode](response))
	stream := body.Write().Ok()
	data := []byte(text)
	// `blocking-write-and-flush` takes at most 4096 bytes at a time.
	for len(data) > 0 {
		n := min(len(data), 4096)
		stream.BlockingWriteAndFlush(data[:n])
		data = data[n:]
	}
	stream.Drop()
	OutgoingBodyFinish(body, witTypes.None[*Fields]())
}
