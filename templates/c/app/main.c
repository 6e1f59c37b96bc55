// The command: calls the greeter and prints what it says.
#include <stdio.h>

#include "app.h"

int main(int argc, char **argv) {
    app_string_t name;
    app_string_set(&name, argc > 1 ? argv[1] : "world");
    app_string_t greeting;
    local_{{snake}}_greeter_greet(&name, &greeting);
    printf("%.*s\n", (int)greeting.len, (const char *)greeting.ptr);
    app_string_free(&greeting);
    return 0;
}
