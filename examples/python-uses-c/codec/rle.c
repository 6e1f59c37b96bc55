// demo:codec/rle in C: run-length encoding as (count, byte) pairs.
#include <stdlib.h>
#include <string.h>

#include "codec_lib.h"

void exports_demo_codec_rle_encode(codec_lib_list_u8_t *data, codec_lib_list_u8_t *ret) {
    // At worst every byte becomes a pair.
    ret->ptr = malloc(data->len * 2 + 1);
    ret->len = 0;
    size_t i = 0;
    while (i < data->len) {
        uint8_t byte = data->ptr[i];
        size_t run = 1;
        while (i + run < data->len && data->ptr[i + run] == byte && run < 255) {
            run++;
        }
        ret->ptr[ret->len++] = (uint8_t)run;
        ret->ptr[ret->len++] = byte;
        i += run;
    }
    codec_lib_list_u8_free(data);
}

bool exports_demo_codec_rle_decode(codec_lib_list_u8_t *data, codec_lib_list_u8_t *ret, codec_lib_string_t *err) {
    if (data->len % 2 != 0) {
        codec_lib_string_dup(err, "odd length: input is not (count, byte) pairs");
        codec_lib_list_u8_free(data);
        return false;
    }
    size_t total = 0;
    for (size_t i = 0; i < data->len; i += 2) {
        total += data->ptr[i];
    }
    ret->ptr = malloc(total + 1);
    ret->len = 0;
    for (size_t i = 0; i < data->len; i += 2) {
        memset(ret->ptr + ret->len, data->ptr[i + 1], data->ptr[i]);
        ret->len += data->ptr[i];
    }
    codec_lib_list_u8_free(data);
    return true;
}
