/* Offloaded float32 kernels as a Gemmini host core runs them (plain C, glibc libm). Row-major, `rows` x `width`. */
#ifndef HOST_KERNELS_H
#define HOST_KERNELS_H
#include <stdint.h>

void dequantize(const int8_t *q, float *x, long n, float scale);
void quantize(const float *x, int8_t *q, long n, float inv_scale);
void quantize_runtime(const float *x, int8_t *q, long n, float scale, int8_t zero_point);
void softmax(float *x, long rows, long width);
void gelu(const float *x, float *y, long n);
void gelu_tanh(const float *x, float *y, long n);
void silu(const float *x, float *y, long n);
void relu(const float *x, float *y, long n);
void layernorm(const float *x, float *y, const float *gamma, const float *beta, long rows, long width, float eps);
void rmsnorm(const float *x, float *y, const float *gamma, long rows, long width, float eps);
void elementwise(const float *a, const float *b, float *y, long n);
void rope(const float *x, float *y, const float *cos_t, const float *sin_t, long rows, long width);

#endif
