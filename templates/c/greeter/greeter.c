// local:{{name}}/greeter in C. Exported functions own their arguments and free them.
#include <stdio.h>
#include <stdlib.h>

#include "greeter_lib.h"

void exports_local_{{snake}}_greeter_greet(greeter_lib_string_t *name, greeter_lib_string_t *ret) {
    const char *format = "Hello, %.*s, from a C component!";
    int len = snprintf(NULL, 0, format, (int)name->len, (const char *)name->ptr);
    ret->ptr = malloc((size_t)len + 1);
    snprintf((char *)ret->ptr, (size_t)len + 1, format, (int)name->len, (const char *)name->ptr);
    ret->len = (size_t)len;
    greeter_lib_string_free(name);
}
