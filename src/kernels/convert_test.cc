#include "kernels/convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gembed {
namespace {

TEST(Convert, Bf16IsTopHalfOfF32) {
  EXPECT_EQ(Bf16ToF32(uint16_t{0x3F80}), 1.0f);
  EXPECT_EQ(Bf16ToF32(uint16_t{0xC000}), -2.0f);
  EXPECT_EQ(Bf16ToF32(uint16_t{0x41DE}), 27.75f);  // the bf16 rounding of sqrt(768)
  const uint8_t le[4] = {0x80, 0x3F, 0x00, 0x40};
  float out[2];
  Bf16ToF32(le, 2, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 2.0f);
}

TEST(Convert, F16AllClasses) {
  EXPECT_EQ(F16ToF32(0x3C00), 1.0f);
  EXPECT_EQ(F16ToF32(0xC000), -2.0f);
  EXPECT_EQ(F16ToF32(0x7BFF), 65504.0f);
  EXPECT_EQ(F16ToF32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(F16ToF32(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(F16ToF32(0x8000), -0.0f);
  EXPECT_TRUE(std::signbit(F16ToF32(0x8000)));
  EXPECT_EQ(F16ToF32(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(F16ToF32(0x7E00)));
}

}  // namespace
}  // namespace gembed
