// A linear layer's weight W[out, in] (torch nn.Linear layout, y = x · Wᵀ) rearranged for the
// GEMM kernels: panels of 16 output columns, in f32, bf16, or GGML-compatible Q8_0 / Q4_0
// blocks (see simd_kernels.h for the byte layouts). Packing happens once at load; the
// packed copy is the only copy the engine keeps, in the weight type's own size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/quant.h"

namespace gembed {

class ThreadPool;
struct SimdKernels;

enum class WeightType { kF32, kBF16, kQ8_0, kQ4_0 };

// The precision activations are multiplied in (the weights stay what they are).
enum class ActivationPrecision {
  kAuto,  // kHigh
  kF32,   // always f32: dequantised weights × f32 activations (closest to the f32 model)
  kHigh,  // 16-bit activations for Q8_0/Q4_0 where the CPU has int8 dot products (AVX-512
          // VNNI: two int8 passes, within ~1e-5 of f32 activations); f32 for f32 and bf16
          // weights (exactly the reference's products)
  kLow,   // int8 for Q8_0/Q4_0 (VNNI, as llama.cpp does: the fastest, least exact), and
          // bf16 × bf16 for bf16 weights where the CPU has AVX512-BF16
};
const char* ActivationPrecisionName(ActivationPrecision a);
// "auto", "f32", "high", "low"; false for anything else.
bool ParseActivationPrecision(const std::string& name, ActivationPrecision* a);

const char* WeightTypeName(WeightType t);
// "f32", "bf16", "q8_0", "q4_0"; false for anything else.
bool ParseWeightType(const std::string& name, WeightType* t);

class PackedMatrix {
 public:
  PackedMatrix() = default;

  // From a row-major f32 W[out, in]: packed as `type` (quantised with the grid-preserving
  // rounding of quant.h for Q8_0/Q4_0, round-to-nearest-even for bf16).
  static PackedMatrix FromF32(const float* w, size_t out, size_t in, WeightType type);
  // Already in `type`, row-major: bf16 bits, or rows of GGML blocks (in/32 blocks a row).
  static PackedMatrix FromBf16(const uint16_t* w, size_t out, size_t in);
  static PackedMatrix FromQ8_0(const BlockQ8_0* w, size_t out, size_t in);
  static PackedMatrix FromQ4_0(const BlockQ4_0* w, size_t out, size_t in);

  WeightType type() const { return type_; }
  size_t out() const { return out_; }
  size_t in() const { return in_; }
  size_t bytes() const { return npanels_ * panel_bytes_; }
  bool empty() const { return data_ == nullptr; }

  // Panel 0 decoded to f32 [in][16] with `k`'s decoder (tests of the vector decoders).
  static void DecodeFirstPanelForTest(const PackedMatrix& m, const SimdKernels& k, float* dst);

  // Row `r` of W as f32 (what the kernels multiply with), for tests and conversion.
  void RowToF32(size_t r, float* dst) const;

  ActivationPrecision activations() const { return activations_; }
  void set_activations(ActivationPrecision a) { activations_ = a; }

  // y[rows, out] = x[rows, in] · Wᵀ, on `pool` (may be null), with the best kernels for this
  // CPU unless `kernels` is given. Per activations(): Q8_0/Q4_0 weights multiply 16-bit
  // (kAuto, kHigh) or int8 (kLow) quantised activations with integer dot products where
  // the kernels have them (AVX-512 VNNI; the scalar baseline too, as their definition),
  // bf16 weights bf16-rounded activations under kLow (AVX512-BF16); everything else
  // decodes weights to f32.
  void MatMul(const float* x, size_t rows, float* y, ThreadPool* pool, const SimdKernels* kernels = nullptr) const;

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  void Allocate(WeightType type, size_t out, size_t in);
  // Q8_0/Q4_0 with int8 or 16-bit activations (SimdKernels::gemm_x8), bf16 with bf16
  // activations.
  void MatMulX8(const float* x, size_t rows, bool x16, float* y, ThreadPool* pool, const SimdKernels& k) const;
  void MatMulBf16(const float* x, size_t rows, float* y, ThreadPool* pool, const SimdKernels& k) const;
  uint8_t* panel(size_t p) const { return data_.get() + p * panel_bytes_; }

  std::unique_ptr<uint8_t, FreeDeleter> data_;
  WeightType type_ = WeightType::kF32;
  ActivationPrecision activations_ = ActivationPrecision::kAuto;
  size_t out_ = 0, in_ = 0, npanels_ = 0, panel_bytes_ = 0;
};

// Aligned f32 scratch for kernels (64-byte aligned, grows, never shrinks), one per thread
// and slot. Slots: 0 = short-lived inside one work item, 1 = a whole MatMul call's decoded
// matrix, 2 = a caller's buffer that outlives the MatMul calls it makes (attention).
float* KernelScratch(size_t floats, int slot = 0);

}  // namespace gembed
