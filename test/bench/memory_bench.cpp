// Benchmark 8: memory. (8a) heap bytes per live span: a trace of 1,000 open spans with 5
// typical tags each, measured with mallinfo2 (so allocator overhead counts, as it does
// in a process's footprint). (8b) resident memory while 1,000,000 spans (100,000 traces
// of 10) pass through the real exporter and libcurl to the agent stand-in on loopback,
// read after 100,000 spans and after 1,000,000 (each time after a flush, so the figure
// is what stays, not what is queued). The stand-in runs in a child process, as the agent
// does beside a real service: in this process its per-payload receive buffer (one
// string per payload, 40 KB to 4 MB as flush timing made them) set the figure, not the
// tracer (see test/bench/RESULTS.md, eighth round).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "agent_stand_in/agent_stand_in.h"
#include "bench/bench_support.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace::bench {
namespace {

// A field of /proc/self/status ("VmRSS", "VmHWM") in bytes; 0 if unreadable.
double proc_status_bytes(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::size_t length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, length, field) == 0 && line.size() > length && line[length] == ':') {
      return std::stod(line.substr(length + 1)) * 1024.0;  // the value is in kB
    }
  }
  return 0;
}

// Sends or receives all of `size` bytes on a socket; false if the peer is gone (no
// SIGPIPE: a stand-in that died fails the benchmark, not the process).
bool send_all(int fd, const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}
bool receive_all(int fd, void* data, std::size_t size) {
  char* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::recv(fd, bytes, size, 0);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The agent stand-in in a child process, talked to over a socket pair: the child sends
// its URL, then answers each byte it receives with the spans it has counted so far, and
// exits when the parent's end closes. fork() without exec: the child touches nothing of
// the tracer (glibc keeps malloc usable in the child of a threaded process).
class StandInProcess {
 public:
  StandInProcess() {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ends[0]);
      serve(ends[1]);
    }
    ::close(ends[1]);
    socket_ = ends[0];
    std::uint32_t length = 0;
    if (pid_ > 0 && receive_all(socket_, &length, sizeof length)) {
      url_.resize(length);
      if (!receive_all(socket_, url_.data(), length)) url_.clear();
    }
  }
  ~StandInProcess() {
    if (socket_ >= 0) ::close(socket_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  StandInProcess(const StandInProcess&) = delete;
  StandInProcess& operator=(const StandInProcess&) = delete;

  // Empty if the child could not be started.
  const std::string& url() const { return url_; }
  std::uint64_t spans() const {
    std::uint64_t spans = 0;
    const char command = 't';
    if (!send_all(socket_, &command, 1) || !receive_all(socket_, &spans, sizeof spans)) return 0;
    return spans;
  }

 private:
  [[noreturn]] static void serve(int socket) {
    {
      standin::StandInOptions options;
      options.keep_requests = false;
      // Counted without decoding to JSON (the stand-in's own walk of the msgpack, which
      // still rejects a malformed payload).
      options.decode_payloads = false;
      standin::AgentStandIn agent(options);
      const std::string url = agent.url();
      const auto length = static_cast<std::uint32_t>(url.size());
      if (send_all(socket, &length, sizeof length) && send_all(socket, url.data(), length)) {
        char command = 0;
        while (receive_all(socket, &command, 1)) {
          const std::uint64_t spans = agent.totals().spans;
          if (!send_all(socket, &spans, sizeof spans)) break;
        }
      }
    }
    ::_exit(0);  // not the parent's atexit handlers or static destructors
  }

  pid_t pid_ = -1;
  int socket_ = -1;
  std::string url_;
};

void BM_8a_BytesPerLiveSpan(benchmark::State& state) {
  constexpr int kLiveSpans = 1000;
  TracerConfig config = base_config();
  config.collector = std::make_shared<DiscardingCollector>();
  Tracer tracer(config);
  std::vector<Span> live;
  live.reserve(kLiveSpans);
  double bytes_per_span = 0;
  for (auto _ : state) {
    malloc_trim(0);
    const std::size_t before = mallinfo2().uordblks;
    SpanConfig root_config;
    root_config.name = "web.request";
    live.push_back(tracer.create_span(root_config));
    SpanConfig child_config;
    child_config.name = "db.query";
    for (int i = 1; i < kLiveSpans; ++i) live.push_back(live.front().create_child(child_config));
    for (Span& span : live) {
      for (const auto& [key, value] : typical_tags()) span.set_tag(key, value);
    }
    const std::size_t after = mallinfo2().uordblks;
    bytes_per_span = static_cast<double>(after - before) / kLiveSpans;
    state.PauseTiming();
    live.clear();
    state.ResumeTiming();
  }
  state.counters["bytes_per_live_span"] = bytes_per_span;
}
BENCHMARK(BM_8a_BytesPerLiveSpan)->Iterations(3);

void BM_8b_RssStream(benchmark::State& state) {
  StandInProcess agent;
  if (agent.url().empty()) {
    state.SkipWithError("the agent stand-in's process did not start");
    return;
  }
  TracerConfig config = base_config();
  config.agent_url = agent.url();
  config.flush_interval = std::chrono::milliseconds(100);
  Tracer tracer(config);
  double rss_100k = 0;
  double rss_1m = 0;
  // The heap in use (mallinfo2's uordblks) at both points: growth there is the library's
  // (or curl's) own, growth of RSS alone is the allocator's page use.
  double heap_100k = 0;
  double heap_1m = 0;
  std::uint64_t received = 0;
  for (auto _ : state) {
    const std::uint64_t spans_before = agent.spans();
    for (int trace = 0; trace < 100'000; ++trace) {
      SpanConfig root_config;
      root_config.name = "web.request";
      Span root = tracer.create_span(root_config);
      for (const auto& [key, value] : typical_tags()) root.set_tag(key, value);
      SpanConfig child_config;
      child_config.name = "db.query";
      for (int i = 1; i < 10; ++i) {
        Span child = root.create_child(child_config);
        for (const auto& [key, value] : typical_tags()) child.set_tag(key, value);
      }
      // Paced by flushes: the stand-in reads every payload, slower than the tracer
      // produces them, and the figure wanted is memory, not how many chunks the
      // bounded queue would drop.
      if ((trace + 1) % 1000 == 0) tracer.flush(std::chrono::seconds(30));
      if (trace + 1 == 10'000) {
        rss_100k = proc_status_bytes("VmRSS");
        heap_100k = static_cast<double>(mallinfo2().uordblks);
      }
    }
    tracer.flush(std::chrono::seconds(30));
    rss_1m = proc_status_bytes("VmRSS");
    heap_1m = static_cast<double>(mallinfo2().uordblks);
    received = agent.spans() - spans_before;
  }
  state.counters["rss_after_100k_MiB"] = rss_100k / (1 << 20);
  state.counters["rss_after_1M_MiB"] = rss_1m / (1 << 20);
  state.counters["rss_growth_KiB"] = (rss_1m - rss_100k) / 1024;
  state.counters["heap_in_use_growth_KiB"] = (heap_1m - heap_100k) / 1024;
  state.counters["peak_rss_MiB"] = proc_status_bytes("VmHWM") / (1 << 20);
  state.counters["spans_received"] = static_cast<double>(received);
  state.counters["spans_per_iter"] = 1'000'000;
}
BENCHMARK(BM_8b_RssStream)
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace gatetrace::bench
