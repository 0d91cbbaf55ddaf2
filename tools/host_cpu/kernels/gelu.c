#include <math.h>

#include "kernels.h"

/* Exact (erf) GELU: 0.5 x (1 + erf(x / sqrt 2)). */
void gelu(const float *x, float *y, long n)
{
    for (long i = 0; i < n; i++) {
        y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678f));
    }
}
