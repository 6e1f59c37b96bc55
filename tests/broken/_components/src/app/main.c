#include <stdio.h>
#include "app.h"

int main(int argc, char **argv) {
    app_string_t name, out;
    app_string_set(&name, argc > 1 ? argv[1] : "world");
    demo_greet_greeter_greet(&name, &out);
    printf("%.*s\n", (int)out.len, (const char *)out.ptr);
    return 0;
}
