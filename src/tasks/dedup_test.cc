// Union–find, exact-duplicate grouping and near-duplicate groups (transitive).
#include "tasks/dedup.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "tasks/test_vectors.h"

namespace gembed::tasks {
namespace {

TEST(UnionFind, GroupsAreComponents) {
  UnionFind u(8);
  u.Union(5, 1);
  u.Union(1, 7);
  u.Union(2, 3);
  u.Union(3, 3);
  EXPECT_EQ(u.Find(7), u.Find(5));
  EXPECT_NE(u.Find(0), u.Find(1));
  EXPECT_EQ(u.Groups(), (std::vector<std::vector<size_t>>{{1, 5, 7}, {2, 3}}));
}

TEST(Dedup, ExactDuplicatesByText) {
  EXPECT_EQ(ExactDuplicateOf({"a", "b", "a", "c", "b", "a"}), (std::vector<size_t>{0, 1, 0, 3, 1, 0}));
}

// Rows for texts: unit vectors in the plane at the given angles (degrees).
EmbeddingMatrix Angles(const std::vector<double>& degrees) {
  EmbeddingMatrix m;
  for (double d : degrees) m.Append({static_cast<float>(std::cos(d * M_PI / 180)), static_cast<float>(std::sin(d * M_PI / 180)), 0.0f});
  return m;
}

TEST(Dedup, ExactDuplicatesGroupedWhateverTheThreshold) {
  const std::vector<std::string> texts = {"x", "y", "x", "z", "x"};
  const std::vector<size_t> unique = {0, 1, 3};
  const auto groups = FindDuplicateGroups(texts, unique, Angles({0, 90, 180}), 1.5f);  // no pair reaches 1.5
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(groups[0].scores, (std::vector<float>{1, 1, 1}));
}

TEST(Dedup, NearDuplicatesJoinTransitively) {
  // cos 10° = 0.985: a–b and b–c are near, a–c (20°, 0.940) is not, yet all three group.
  const std::vector<std::string> texts = {"a", "far", "b", "c", "a", "other"};
  const std::vector<size_t> unique = {0, 1, 2, 3, 5};
  const auto groups = FindDuplicateGroups(texts, unique, Angles({0, 90, 10, 20, 200}), 0.95f);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 2, 3, 4}));
  ASSERT_EQ(groups[0].scores.size(), 4u);
  EXPECT_NEAR(groups[0].scores[1], std::cos(10 * M_PI / 180), 1e-6);
  EXPECT_NEAR(groups[0].scores[2], std::cos(20 * M_PI / 180), 1e-6);
  EXPECT_EQ(groups[0].scores[3], 1.0f);  // item 4 is item 0's text
  EXPECT_THROW(FindDuplicateGroups(texts, {0, 1}, Angles({0, 90, 10}), 0.9f), Error);
}

TEST(Dedup, LargestGroupsFirst) {
  const std::vector<std::string> texts = {"p", "q", "q", "r", "r", "r"};
  const auto groups = FindDuplicateGroups(texts, {0, 1, 3}, Angles({0, 90, 180}), 0.99f);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{3, 4, 5}));
  EXPECT_EQ(groups[1].members, (std::vector<size_t>{1, 2}));
}

}  // namespace
}  // namespace gembed::tasks
