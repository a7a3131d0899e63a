#include "server/metrics.h"

#include <gtest/gtest.h>

namespace gembed::server {
namespace {

TEST(Histogram, BucketsAreCumulativeWithSumAndCount) {
  Histogram h({1, 10});
  h.Observe(0.5);
  h.Observe(1);
  h.Observe(5);
  h.Observe(50);
  std::string out;
  h.Render("x", "route=\"/a\"", &out);
  EXPECT_EQ(out,
            "x_bucket{route=\"/a\",le=\"1\"} 2\n"
            "x_bucket{route=\"/a\",le=\"10\"} 3\n"
            "x_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "x_sum{route=\"/a\"} 56.5\n"
            "x_count{route=\"/a\"} 4\n");
}

TEST(Metrics, CountsRequestsByRouteAndStatus) {
  Metrics m;
  m.RecordRequest("/embed", 200, 0.01);
  m.RecordRequest("/embed", 200, 0.02);
  m.RecordRequest("/embed", 413, 0.001);
  m.RecordEmbedded(3, 42);
  m.RecordBatch(2, 3, 42, {0.0, 0.5});
  EXPECT_EQ(m.requests("/embed", 200), 2u);
  EXPECT_EQ(m.requests("/embed", 413), 1u);
  EXPECT_EQ(m.requests("/embed", 500), 0u);
  const std::string text = m.Render();
  EXPECT_NE(text.find("gembed_http_requests_total{route=\"/embed\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("gembed_http_request_duration_seconds_count{route=\"/embed\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("gembed_embedded_tokens_total 42\n"), std::string::npos);
  EXPECT_NE(text.find("gembed_batch_inputs_bucket{le=\"4\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("gembed_queue_time_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE gembed_batch_tokens histogram\n"), std::string::npos);
}

}  // namespace
}  // namespace gembed::server
