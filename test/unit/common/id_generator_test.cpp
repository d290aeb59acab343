// The production id generator: non-zero random span ids, Datadog's 128-bit trace id
// layout, per-thread streams, and fresh ids in a child process after fork().
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "gatetrace/id_generator.h"

namespace gatetrace {
namespace {

TEST(DefaultIdGenerator, SpanIdsAreNonZeroAndDistinct) {
  auto ids = default_id_generator();
  std::set<std::uint64_t> seen;
  bool high_bit_seen = false;
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t id = ids->span_id();
    ASSERT_NE(id, 0u);
    high_bit_seen = high_bit_seen || (id >> 63) != 0;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100'000u);
  EXPECT_TRUE(high_bit_seen) << "span ids use all 64 bits";
}

TEST(DefaultIdGenerator, OneHundredTwentyEightBitLayout) {
  auto ids = default_id_generator();
  const std::int64_t start_ns = 1'736'973'768'123'456'789;
  const TraceId id = ids->trace_id(start_ns, /*use_128_bit=*/true);
  EXPECT_EQ(id.high, std::uint64_t{1'736'973'768} << 32) << "seconds on top, zeros below";
  EXPECT_NE(id.low, 0u);
  const TraceId narrow = ids->trace_id(start_ns, /*use_128_bit=*/false);
  EXPECT_EQ(narrow.high, 0u);
  EXPECT_NE(narrow.low, 0u);
}

TEST(DefaultIdGenerator, ThreadsDrawDifferentStreams) {
  auto ids = default_id_generator();
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::thread([&] { a = ids->span_id(); }).join();
  std::thread([&] { b = ids->span_id(); }).join();
  EXPECT_NE(a, b);
}

TEST(DefaultIdGenerator, ChildAfterForkDoesNotRepeatTheParent) {
  auto ids = default_id_generator();
  ids->span_id();  // this thread's stream is seeded before the fork
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::uint64_t id = ids->span_id();
    const ssize_t written = write(pipe_fds[1], &id, sizeof id);
    _exit(written == sizeof id ? 0 : 1);
  }
  const std::uint64_t parent_next = ids->span_id();
  std::uint64_t child_first = 0;
  ASSERT_EQ(read(pipe_fds[0], &child_first, sizeof child_first),
            static_cast<ssize_t>(sizeof child_first));
  int status = 0;
  waitpid(child, &status, 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(child_first, parent_next) << "the child re-seeded instead of continuing the stream";
}

}  // namespace
}  // namespace gatetrace
