#include "kernels.h"

/* Rotary embedding on interleaved pairs with precomputed cos/sin tables (width/2 entries per row). */
void rope(const float *x, float *y, const float *cos_t, const float *sin_t, long rows, long width)
{
    long half = width / 2;
    for (long r = 0; r < rows; r++) {
        const float *in = x + r * width;
        float *out = y + r * width;
        const float *c = cos_t + r * half;
        const float *s = sin_t + r * half;
        for (long i = 0; i < half; i++) {
            float a = in[2 * i];
            float b = in[2 * i + 1];
            out[2 * i] = a * c[i] - b * s[i];
            out[2 * i + 1] = a * s[i] + b * c[i];
        }
    }
}
