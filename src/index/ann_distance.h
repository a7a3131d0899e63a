// Inner-product distance (1 − a·b) for the HNSW graph, per instruction set.
//
// Why not hnswlib's own InnerProductSpace: hnswlib picks its SIMD path from the compiler
// flags of the including file (__AVX__, __AVX512F__), and our portable build has neither, so
// it would run SSE only (and we build hnswlib without its SSE paths: see ann_index.cc). These kernels are compiled one file per ISA and chosen
// at run time (kernels/cpu_features.h, so GEMBED_ISA caps them like the GEMM kernels).
#pragma once

#include <cstddef>

#include "kernels/cpu_features.h"

namespace gembed::index {

// hnswlib's distance signature: (vector a, vector b, pointer to size_t dim).
using AnnDistanceFn = float (*)(const void*, const void*, const void*);

float InnerProductDistanceScalar(const void* a, const void* b, const void* dim);
float InnerProductDistanceAvx2(const void* a, const void* b, const void* dim);
float InnerProductDistanceAvx512(const void* a, const void* b, const void* dim);

// The kernel for `isa` (which the CPU must support), or nullptr for kScalar: callers then
// use InnerProductDistanceScalar (portable; auto-vectorised to SSE2 at -O3).
AnnDistanceFn InnerProductDistanceFor(Isa isa);

}  // namespace gembed::index
