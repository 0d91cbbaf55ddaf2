#include <math.h>

#include "kernels.h"

/* Row-wise softmax in place: max pass, exp + sum pass, normalise pass (one divide per row, then multiplies). */
void softmax(float *x, long rows, long width)
{
    for (long r = 0; r < rows; r++) {
        float *row = x + r * width;
        float m = row[0];
        for (long i = 1; i < width; i++) {
            m = row[i] > m ? row[i] : m;
        }
        float sum = 0.0f;
        for (long i = 0; i < width; i++) {
            row[i] = expf(row[i] - m);
            sum += row[i];
        }
        float inv = 1.0f / sum;
        for (long i = 0; i < width; i++) {
            row[i] *= inv;
        }
    }
}
