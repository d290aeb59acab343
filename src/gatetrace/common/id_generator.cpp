#include "gatetrace/id_generator.h"

#include <pthread.h>

#include <atomic>
#include <random>

namespace gatetrace {
namespace {

// Bumped in every child after fork(), so that each thread's generator re-seeds instead
// of repeating the parent's sequence.
std::atomic<std::uint64_t> fork_generation{0};

void on_fork_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

// xoshiro256** seeded by splitmix64 from std::random_device.
class ThreadRandom {
 public:
  std::uint64_t next() {
    const std::uint64_t generation = fork_generation.load(std::memory_order_relaxed);
    if (generation != generation_) seed(generation);
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  void seed(std::uint64_t generation) {
    std::random_device device;
    std::uint64_t x = (std::uint64_t(device()) << 32) ^ device();
    for (auto& word : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
    generation_ = generation;
  }

  std::uint64_t s_[4] = {};
  // The fork generation the state was seeded in. Starts at one no process reaches (the
  // count of forks would have to wrap), so that the first call seeds: one test per id
  // for both "not seeded yet" and "forked since".
  std::uint64_t generation_ = ~std::uint64_t{0};
};

class DefaultIdGenerator final : public IdGenerator {
 public:
  DefaultIdGenerator() {
    static const int registered = pthread_atfork(nullptr, nullptr, on_fork_child);
    (void)registered;
  }

  std::uint64_t span_id() override {
    thread_local ThreadRandom random;
    std::uint64_t id;
    do {
      id = random.next();
    } while (id == 0);
    return id;
  }

  TraceId trace_id(std::int64_t start_wall_ns, bool use_128_bit) override {
    TraceId id;
    id.low = span_id();
    if (use_128_bit) {
      const auto seconds = static_cast<std::uint64_t>(start_wall_ns / 1'000'000'000);
      id.high = (seconds & 0xffffffffULL) << 32;
    }
    return id;
  }
};

}  // namespace

std::shared_ptr<IdGenerator> default_id_generator() {
  static const auto generator = std::make_shared<DefaultIdGenerator>();
  return generator;
}

}  // namespace gatetrace
