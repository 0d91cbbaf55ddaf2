#include <math.h>

#include "kernels.h"

/* float32 -> int8 as Gemmini's ONNX Runtime port quantizes on a RISC-V host (QuantizeLinear through
 * MLAS's portable C++ path, onnxruntime/core/mlas/lib/quantize.cpp of ucb-bar/onnxruntime-riscv, used
 * when neither SSE2 nor NEON is available): divide by the scale, round half to even with nearbyintf,
 * add the zero point, clamp in float to [-127, 127], convert. */
void quantize_runtime(const float *x, int8_t *q, long n, float scale, int8_t zero_point)
{
    for (long i = 0; i < n; i++) {
        float v = nearbyintf(x[i] / scale) + (float)zero_point;
        v = v < -127.0f ? -127.0f : v;
        v = v > 127.0f ? 127.0f : v;
        q[i] = (int8_t)(int32_t)v;
    }
}
