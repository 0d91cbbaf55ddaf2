#include <math.h>

#include "kernels.h"

/* float32 -> int8: scale, round to nearest (current rounding mode), clamp to [-128, 127]. */
void quantize(const float *x, int8_t *q, long n, float inv_scale)
{
    for (long i = 0; i < n; i++) {
        long r = lrintf(x[i] * inv_scale);
        if (r > 127) {
            r = 127;
        } else if (r < -128) {
            r = -128;
        }
        q[i] = (int8_t)r;
    }
}
