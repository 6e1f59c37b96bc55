#include <stdio.h>
#include "app.h"

int main(void) {
    // With two versions of the package in the WIT, the bindings carry the version.
    app_string_t name, out;
    app_string_set(&name, "Ada");
    demo_greet_0_2_0_greeter_greet(&name, &out);
    printf("%.*s\n", (int)out.len, (const char *)out.ptr);
    return 0;
}
