#include "app.h"

int main(void) {
    return (int)(wasi_random_insecure_get_insecure_random_u64() & 1);
}
