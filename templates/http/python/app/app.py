"""The HTTP handler: `GET /` and `GET /hello?name=NAME` (answered by the greeter); anything
else is a 404. Each request runs in a fresh instance."""

from urllib.parse import parse_qs

from wit_world import exports
from wit_world.imports import greeter
from wit_world.imports.types import (
    Fields,
    IncomingRequest,
    Method_Get,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)
from componentize_py_types import Ok


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        path, _, query = (request.path_with_query() or "/").partition("?")
        is_get = isinstance(request.method(), Method_Get)
        if is_get and path == "/":
            respond(response_out, 200, "{{name}}: try /hello?name=you\n")
        elif is_get and path == "/hello":
            name = parse_qs(query).get("name", ["world"])[0]
            respond(response_out, 200, greeter.greet(name) + "\n")
        else:
            respond(response_out, 404, f"no route for {path}\n")


def respond(response_out: ResponseOutparam, status: int, text: str) -> None:
    headers = Fields.from_list([("content-type", b"text/plain; charset=utf-8")])
    response = OutgoingResponse(headers)
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    data = text.encode()
    with body.write() as stream:
        # `blocking-write-and-flush` takes at most 4096 bytes at a time.
        for start in range(0, len(data), 4096):
            stream.blocking_write_and_flush(data[start : start + 4096])
    OutgoingBody.finish(body, None)
