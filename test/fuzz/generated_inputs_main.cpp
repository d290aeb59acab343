// A deterministic companion to libFuzzer for every fuzz target: the same
// LLVMFuzzerTestOneInput, fed a fixed number of inputs made from the seed corpus by
// mutations libFuzzer rarely combines, above all long runs of one arbitrary byte (UTF-8
// continuation bytes, 0x00, 0xFF, a letter) spliced into values. libFuzzer's coverage
// guidance does not reward such runs until a cap or a table edge makes them matter; one
// such input (130 continuation bytes before a header's cap) failed CI once and took
// libFuzzer millions of runs to find again, while this generator finds it at once.
//
// Usage: <target>_generated <seed-corpus-dir> <random-seed> <inputs>
// Exits 0 when every input passed; a failing input aborts (as under libFuzzer) and is
// left in `<target>_generated-crash-input` in the working directory (replay it with the
// libFuzzer binary: `<target> <file>`).
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t kMaxInputSize = 8192;

// The input being run and where to leave it if the run dies: written only then, from
// the sanitizers' death callback or the handler of abort()'s signal, with write(2).
char g_crash_file[256];
const std::string* g_current_input = nullptr;

void leave_current_input() {
  if (g_current_input == nullptr) return;
  const int fd = ::open(g_crash_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  const char* data = g_current_input->data();
  std::size_t left = g_current_input->size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written <= 0) break;
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  ::close(fd);
  g_current_input = nullptr;
}

extern "C" void on_abort_signal(int signal_number) {
  leave_current_input();
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

std::vector<std::string> read_corpus(const char* directory) {
  std::vector<std::string> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Directory order is the file system's: sorted, so a random seed replays exactly.
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : random_(seed) {}

  std::size_t below(std::size_t bound) { return bound == 0 ? 0 : random_() % bound; }

  // One byte for a repeated run: the classes that sit at parsers' edges.
  char run_byte() {
    switch (below(6)) {
      case 0:
        return '\0';
      case 1:
        return '\xff';
      case 2:
        return static_cast<char>(0x80 + below(0x40));  // a UTF-8 continuation byte
      case 3:
        return static_cast<char>(0x20 + below(0x5f));  // printable ASCII
      case 4:
        return " \t,;=:-\r"[below(8)];  // separators of the formats fuzzed
      default:
        return static_cast<char>(random_());
    }
  }

  void mutate(std::string& input, const std::vector<std::string>& pool) {
    switch (below(7)) {
      case 0:
      case 1:  // a run of one byte, 1 to 300 long
        input.insert(below(input.size() + 1), 1 + below(300), run_byte());
        break;
      case 2:
        if (!input.empty()) input[below(input.size())] = static_cast<char>(random_());
        break;
      case 3:
        if (!input.empty()) input.erase(below(input.size()), below(40));
        break;
      case 4:  // a piece of the input copied elsewhere (repeated headers, members)
        if (!input.empty()) {
          const std::size_t at = below(input.size());
          const std::string piece = input.substr(at, below(120));
          input.insert(below(input.size() + 1), piece);
        }
        break;
      case 5:  // a piece of another input
        if (!pool.empty()) {
          const std::string& other = pool[below(pool.size())];
          const std::size_t at = below(other.size() + 1);
          input.insert(below(input.size() + 1), other.substr(at, below(200)));
        }
        break;
      default:  // case flips
        for (std::size_t i = 0, n = 1 + below(8); i < n && !input.empty(); ++i) {
          char& c = input[below(input.size())];
          if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) c ^= 0x20;
        }
    }
  }

 private:
  std::mt19937_64 random_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <seed-corpus-dir> <random-seed> <inputs>\n", argv[0]);
    return 2;
  }
  std::vector<std::string> pool = read_corpus(argv[1]);
  if (pool.empty()) {
    std::fprintf(stderr, "no seeds in %s\n", argv[1]);
    return 2;
  }
  Mutator mutator(std::strtoull(argv[2], nullptr, 10));
  const unsigned long inputs = std::strtoul(argv[3], nullptr, 10);
  const std::size_t seeds = pool.size();
  const std::string crash_file =
      std::filesystem::path(argv[0]).filename().string() + "-crash-input";
  std::snprintf(g_crash_file, sizeof g_crash_file, "%s", crash_file.c_str());
  __sanitizer_set_death_callback(leave_current_input);
  std::signal(SIGABRT, on_abort_signal);
  for (unsigned long i = 0; i < inputs; ++i) {
    std::string input = pool[mutator.below(pool.size())];
    for (std::size_t m = 0, n = 1 + mutator.below(4); m < n; ++m) mutator.mutate(input, pool);
    if (input.size() > kMaxInputSize) input.resize(kMaxInputSize);
    g_current_input = &input;
    // An exact-size copy, so that AddressSanitizer sees any read past the input's end.
    const auto copy = std::make_unique<std::uint8_t[]>(input.size());
    std::memcpy(copy.get(), input.data(), input.size());
    LLVMFuzzerTestOneInput(copy.get(), input.size());
    g_current_input = nullptr;
    // Some inputs join the pool, so that mutations compound (up to a bound).
    if (mutator.below(32) == 0 && pool.size() < seeds + 4096) pool.push_back(std::move(input));
  }
  std::printf("%lu generated inputs passed\n", inputs);
  return 0;
}
