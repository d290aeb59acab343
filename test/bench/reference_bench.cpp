// Reference benchmarks: what the machine's clock, allocator and memory bandwidth cost
// in this very run. Every other figure is also reported as a multiple of these, since
// the machine's speed drifts by up to 1.8x over minutes.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void BM_Ref_SteadyClock(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::chrono::steady_clock::now());
  }
}
BENCHMARK(BM_Ref_SteadyClock);

void BM_Ref_SteadyAndSystemClock(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::chrono::steady_clock::now());
    benchmark::DoNotOptimize(std::chrono::system_clock::now());
  }
}
BENCHMARK(BM_Ref_SteadyAndSystemClock);

void BM_Ref_Malloc128(benchmark::State& state) {
  for (auto _ : state) {
    void* p = std::malloc(128);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}
BENCHMARK(BM_Ref_Malloc128);

void BM_Ref_Memcpy1MiB(benchmark::State& state) {
  constexpr std::size_t kSize = 1u << 20;
  std::vector<char> from(kSize, 'x');
  std::vector<char> to(kSize);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), kSize);
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kSize));
}
BENCHMARK(BM_Ref_Memcpy1MiB);

}  // namespace
