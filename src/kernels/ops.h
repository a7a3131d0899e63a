// Plain f32 building blocks of the Gemma 3 encoder. These are the *reference* kernels:
// simple, portable and exact enough for the fixtures; the fast SIMD/quantised kernels are
// tested against them.
//
// Shapes are given as [rows, cols], row-major, as comments at each function.
#pragma once

#include <cstddef>

namespace gembed {

class ThreadPool;

// y[rows, out] = x[rows, in] · w[out, in]ᵀ  (torch nn.Linear without bias).
// Parallel over output columns when a pool is given.
void MatMulWT(const float* x, size_t rows, size_t in, const float* w, size_t out, float* y,
              ThreadPool* pool);

// Gemma RMSNorm of one row: y = x / sqrt(mean(x²) + eps) * (1 + w).  x[dim], w[dim], y[dim]
// (y may alias x). Sum of squares is accumulated in double for a stable reference.
void GemmaRmsNorm(const float* x, const float* w, size_t dim, float eps, float* y);

// GELU, tanh approximation (torch gelu(approximate="tanh"), HF "gelu_pytorch_tanh").
float GeluTanh(float x);

// gate[n] ← gelu_tanh(gate[n]) * up[n]: the gated MLP's middle.
void GeluTanhGate(float* gate, const float* up, size_t n);

// In-place softmax of x[n] (max-subtracted, f32 like HF's eager attention).
void Softmax(float* x, size_t n);

// Rotary embedding, rotate_half convention: x[head_dim] with halves (x1, x2) becomes
// (x1·cos − x2·sin, x2·cos + x1·sin); cos/sin[head_dim/2] hold the angle of each pair.
void ApplyRope(float* x, size_t head_dim, const float* cos, const float* sin);

// Inverse frequencies as HF computes them in float32: 1 / base^(2i/dim), i < dim/2.
void RopeInvFreq(double base, size_t head_dim, float* inv_freq);

// cos/sin[head_dim/2] for one position: angle = f32(inv_freq · pos), as HF (float32 angles).
void RopeCosSin(const float* inv_freq, size_t half, size_t pos, float* cos, float* sin);

// L2-normalise x[n] in place (F.normalize, eps 1e-12). Returns the norm before scaling.
float L2Normalize(float* x, size_t n);

}  // namespace gembed
