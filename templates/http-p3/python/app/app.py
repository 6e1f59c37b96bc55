"""The HTTP handler (WASI 0.3): `GET /` and `GET /hello?name=NAME` (answered by the greeter);
anything else is a 404. `handle` returns the response at once; its body is written afterwards
by a task of its own."""

from urllib.parse import parse_qs

import componentize_py_async_support
import wit_world
from componentize_py_types import Ok
from wit_world import exports
from wit_world.imports import greeter
from wit_world.imports.wasi_http_types import Fields, Method_Get, Request, Response


class Handler(exports.Handler):
    async def handle(self, request: Request) -> Response:
        path, _, query = (request.get_path_with_query() or "/").partition("?")
        is_get = isinstance(request.get_method(), Method_Get)
        if is_get and path == "/":
            return respond(200, "{{name}}: try /hello?name=you\n")
        if is_get and path == "/hello":
            name = parse_qs(query).get("name", ["world"])[0]
            return respond(200, greeter.greet(name) + "\n")
        return respond(404, f"no route for {path}\n")


def respond(status: int, text: str) -> Response:
    headers = Fields.from_list([("content-type", b"text/plain; charset=utf-8")])
    body, contents = wit_world.byte_stream()
    trailers, no_trailers = (
        wit_world.result_option_wasi_http_types_fields_wasi_http_types_error_code_future(
            lambda: Ok(None)
        )
    )
    response, _sent = Response.new(headers, contents, no_trailers)
    response.set_status_code(status)

    async def write_body() -> None:
        with body:
            await body.write_all(text.encode())
        await trailers.write(Ok(None))

    componentize_py_async_support.spawn(write_body())
    return response
