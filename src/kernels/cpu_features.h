// Which vector instruction sets the running CPU has, so that one binary runs everywhere
// and uses the widest kernels available. GEMBED_ISA=scalar|avx2|avx512 caps the choice
// (for tests and for comparing paths on one machine).
#pragma once

namespace gembed {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

const char* IsaName(Isa isa);
// True when this CPU (and OS) can run kernels built for `isa`.
bool IsaSupported(Isa isa);
// The widest supported ISA, capped by GEMBED_ISA when set. Cached after the first call.
Isa BestIsa();

}  // namespace gembed
