#include <stdlib.h>

#include "lib.h"

// Start-up that ends the program: pre-initialization runs it at build time.
__attribute__((constructor)) static void start_up(void) {
    exit(3);
}

uint32_t exports_demo_lib_calc_add(uint32_t a, uint32_t b) {
    return a + b;
}
