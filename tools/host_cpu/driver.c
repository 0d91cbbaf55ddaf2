/* Runs one kernel over `rows` x `width` elements: host_kernels KERNEL ROWS WIDTH.
 * KERNEL "none" runs only the set-up (every buffer is filled for every kernel), the baseline that
 * measure.py subtracts. Inputs are deterministic (an LCG): int8 uniform in [-128, 127]; `a` (the input of
 * every float kernel) approximately normal with mean -0.5 and standard deviation 1.2 (a sum of four
 * uniforms), the main mode of the FFN pre-activations in accelmodel's calibration set (data/README.md) --
 * libm's erff/tanhf/expf take range-dependent paths, so the distribution matters; `b` uniform in [-6, 6]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"

static unsigned long long lcg_state = 20240521ull;

static float uniform(float lo, float hi)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((lcg_state >> 40) & 0xFFFFFF) / 16777216.0f;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s KERNEL ROWS WIDTH\n", argv[0]);
        return 2;
    }
    const char *k = argv[1];
    long rows = atol(argv[2]), width = atol(argv[3]), n = rows * width;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *y = malloc(n * sizeof *y);
    float *gamma = malloc(width * sizeof *gamma), *beta = malloc(width * sizeof *beta);
    float *cos_t = malloc(n / 2 * sizeof *cos_t), *sin_t = malloc(n / 2 * sizeof *sin_t);
    int8_t *q = malloc(n);
    memset(y, 0, n * sizeof *y);
    for (long i = 0; i < n; i++) {
        float s4 = uniform(-1.0f, 1.0f) + uniform(-1.0f, 1.0f) + uniform(-1.0f, 1.0f) + uniform(-1.0f, 1.0f);
        a[i] = -0.5f + 1.2f / 1.1547005f * s4;
        b[i] = uniform(-6.0f, 6.0f);
        q[i] = (int8_t)(int)uniform(-128.0f, 127.99f);
    }
    for (long i = 0; i < n / 2; i++) {
        cos_t[i] = uniform(-1.0f, 1.0f);
        sin_t[i] = uniform(-1.0f, 1.0f);
    }
    for (long i = 0; i < width; i++) {
        gamma[i] = uniform(0.5f, 1.5f);
        beta[i] = uniform(-0.5f, 0.5f);
    }
    if (!strcmp(k, "dequantize")) dequantize(q, y, n, 0.05f);
    else if (!strcmp(k, "quantize")) quantize(a, q, n, 20.0f);
    else if (!strcmp(k, "quantize_runtime")) quantize_runtime(a, q, n, 0.05f, 0);
    else if (!strcmp(k, "softmax")) softmax(a, rows, width);
    else if (!strcmp(k, "gelu")) gelu(a, y, n);
    else if (!strcmp(k, "gelu_tanh")) gelu_tanh(a, y, n);
    else if (!strcmp(k, "silu")) silu(a, y, n);
    else if (!strcmp(k, "relu")) relu(a, y, n);
    else if (!strcmp(k, "layernorm")) layernorm(a, y, gamma, beta, rows, width, 1e-5f);
    else if (!strcmp(k, "rmsnorm")) rmsnorm(a, y, gamma, rows, width, 1e-5f);
    else if (!strcmp(k, "elementwise")) elementwise(a, b, y, n);
    else if (!strcmp(k, "rope")) rope(a, y, cos_t, sin_t, rows, width);
    else if (strcmp(k, "none")) {
        fprintf(stderr, "unknown kernel %s\n", k);
        return 2;
    }
    /* a checksum of every output keeps the kernels from being optimised away; printed once */
    double sum = 0.0;
    for (long i = 0; i < n; i += width) {
        sum += a[i] + y[i] + q[i];
    }
    printf("%s %ld %ld %.6g\n", k, rows, width, sum);
    return 0;
}
