#include <math.h>

#include "kernels.h"

/* Row-wise RMSNorm: mean-square pass, one sqrt + divide per row, scale pass. */
void rmsnorm(const float *x, float *y, const float *gamma, long rows, long width, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *in = x + r * width;
        float *out = y + r * width;
        float ss = 0.0f;
        for (long i = 0; i < width; i++) {
            ss += in[i] * in[i];
        }
        float rrms = 1.0f / sqrtf(ss / (float)width + eps);
        for (long i = 0; i < width; i++) {
            out[i] = in[i] * rrms * gamma[i];
        }
    }
}
