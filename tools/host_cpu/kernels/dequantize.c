#include "kernels.h"

/* int8 -> float32 with one per-tensor scale. */
void dequantize(const int8_t *q, float *x, long n, float scale)
{
    for (long i = 0; i < n; i++) {
        x[i] = (float)q[i] * scale;
    }
}
