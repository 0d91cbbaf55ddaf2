#include <math.h>

#include "kernels.h"

/* SiLU: x * sigmoid(x) = x / (1 + exp(-x)). */
void silu(const float *x, float *y, long n)
{
    for (long i = 0; i < n; i++) {
        y[i] = x[i] / (1.0f + expf(-x[i]));
    }
}
