#include <math.h>

#include "kernels.h"

/* Row-wise LayerNorm: mean pass, variance pass, one sqrt + divide per row, scale-and-shift pass. */
void layernorm(const float *x, float *y, const float *gamma, const float *beta, long rows, long width, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *in = x + r * width;
        float *out = y + r * width;
        float sum = 0.0f;
        for (long i = 0; i < width; i++) {
            sum += in[i];
        }
        float mean = sum / (float)width;
        float var = 0.0f;
        for (long i = 0; i < width; i++) {
            float d = in[i] - mean;
            var += d * d;
        }
        float rstd = 1.0f / sqrtf(var / (float)width + eps);
        for (long i = 0; i < width; i++) {
            out[i] = (in[i] - mean) * rstd * gamma[i] + beta[i];
        }
    }
}
