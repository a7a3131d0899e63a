#include "base/error.h"
#include "kernels/simd_kernels.h"

namespace gembed {

const SimdKernels& SimdKernelsFor(Isa isa) {
  if (!IsaSupported(isa)) throw Error(std::string("this CPU cannot run the ") + IsaName(isa) + " kernels");
  switch (isa) {
    case Isa::kAvx512: return SimdKernelsAvx512();
    case Isa::kAvx2: return SimdKernelsAvx2();
    case Isa::kScalar: break;
  }
  return SimdKernelsScalar();
}

bool CpuHasAvx512Vnni() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return IsaSupported(Isa::kAvx512) && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

bool CpuHasAvx512Bf16() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return IsaSupported(Isa::kAvx512) && __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

const SimdKernels& BestSimdKernels() {
  static const SimdKernels& k = SimdKernelsFor(BestIsa());
  return k;
}

}  // namespace gembed
