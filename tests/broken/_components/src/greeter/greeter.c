#include <stdlib.h>
#include <string.h>
#include "greeter_lib.h"

void exports_demo_greet_greeter_greet(greeter_lib_string_t *name, greeter_lib_string_t *ret) {
    ret->len = name->len + 7;
    ret->ptr = malloc(ret->len);
    memcpy(ret->ptr, "Hello, ", 7);
    memcpy(ret->ptr + 7, name->ptr, name->len);
    greeter_lib_string_free(name);
}
