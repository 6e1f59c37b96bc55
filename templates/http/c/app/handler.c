// The HTTP handler: `GET /` and `GET /hello?name=NAME` (answered by the greeter); anything
// else is a 404. Each request runs in a fresh instance.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"

// Writes `len` bytes as the whole body of a response with `status`.
static void respond(wasi_http_types_own_response_outparam_t out, uint16_t status,
                    const char *text, size_t len) {
    wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
    wasi_http_types_field_name_t name;
    handler_string_set(&name, "content-type");
    const char *type = "text/plain; charset=utf-8";
    wasi_http_types_field_value_t value = {(uint8_t *)type, strlen(type)};
    wasi_http_types_header_error_t header_err;
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(headers), &name, &value,
                                         &header_err);

    wasi_http_types_own_outgoing_response_t response =
        wasi_http_types_constructor_outgoing_response(headers);
    wasi_http_types_borrow_outgoing_response_t borrowed =
        wasi_http_types_borrow_outgoing_response(response);
    wasi_http_types_method_outgoing_response_set_status_code(borrowed, status);
    wasi_http_types_own_outgoing_body_t body;
    wasi_http_types_method_outgoing_response_body(borrowed, &body);

    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(out, &result);

    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream);
    // `blocking-write-and-flush` takes at most 4096 bytes at a time.
    for (size_t done = 0; done < len;) {
        size_t n = len - done < 4096 ? len - done : 4096;
        handler_list_u8_t chunk = {(uint8_t *)text + done, n};
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(
                wasi_io_streams_borrow_output_stream(stream), &chunk, &err)) {
            break;
        }
        done += n;
    }
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t finish_err;
    wasi_http_types_static_outgoing_body_finish(body, NULL, &finish_err);
}

// The value of `name=` in a query string, `+` and `%XX` decoded; "world" when absent.
static char *name_in(const char *query) {
    const char *start = strstr(query, "name=");
    if (start == NULL || (start != query && start[-1] != '&')) {
        return strdup("world");
    }
    start += 5;
    size_t len = strcspn(start, "&");
    char *name = malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned hex;
        if (start[i] == '+') {
            name[n++] = ' ';
        } else if (start[i] == '%' && i + 2 < len && sscanf(start + i + 1, "%2x", &hex) == 1) {
            name[n++] = (char)hex;
            i += 2;
        } else {
            name[n++] = start[i];
        }
    }
    name[n] = '\0';
    return name;
}

void exports_wasi_http_incoming_handler_handle(
    exports_wasi_http_incoming_handler_own_incoming_request_t request,
    exports_wasi_http_incoming_handler_own_response_outparam_t response_out) {
    wasi_http_types_borrow_incoming_request_t borrowed =
        wasi_http_types_borrow_incoming_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_incoming_request_method(borrowed, &method);
    int is_get = method.tag == WASI_HTTP_TYPES_METHOD_GET;
    wasi_http_types_method_free(&method);
    handler_string_t target;
    char *path = strdup("/");
    if (wasi_http_types_method_incoming_request_path_with_query(borrowed, &target)) {
        free(path);
        path = strndup((const char *)target.ptr, target.len);
        handler_string_free(&target);
    }
    wasi_http_types_incoming_request_drop_own(request);
    char *query = strchr(path, '?');
    if (query != NULL) {
        *query++ = '\0';
    } else {
        query = "";
    }

    char *text;
    uint16_t status = 200;
    if (is_get && strcmp(path, "/") == 0) {
        text = strdup("{{name}}: try /hello?name=you\n");
    } else if (is_get && strcmp(path, "/hello") == 0) {
        char *name = name_in(query);
        handler_string_t who, greeting;
        handler_string_set(&who, name);
        local_{{snake}}_greeter_greet(&who, &greeting);
        text = malloc(greeting.len + 2);
        memcpy(text, greeting.ptr, greeting.len);
        text[greeting.len] = '\n';
        text[greeting.len + 1] = '\0';
        handler_string_free(&greeting);
        free(name);
    } else {
        status = 404;
        size_t len = strlen(path) + 16;
        text = malloc(len);
        snprintf(text, len, "no route for %s\n", path);
    }
    respond(response_out, status, text, strlen(text));
    free(text);
    free(path);
}
