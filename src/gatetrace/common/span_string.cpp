#include "gatetrace/span_string.h"

#include <cstring>
#include <mutex>
#include <new>
#include <ostream>
#include <unordered_map>

namespace gatetrace {

const detail::StringRecord* SpanString::records_[detail::kMaxInternedStrings] = {};

namespace {

using detail::kMaxInternedStrings;
using detail::StringRecord;

// Texts longer than this are never interned (resources such as SQL statements can be
// long and many; names and keys are short).
constexpr std::size_t kMaxInternedLength = 200;
// The table's text, records included, stays below this.
constexpr std::size_t kMaxInternedBytes = std::size_t{2} << 20;
// Records are carved from blocks of this size: no malloc header per record.
constexpr std::size_t kBlockBytes = 64 * 1024;

struct InternTable {
  std::mutex mutex;
  std::unordered_map<std::string_view, std::uint32_t> ids;  // views of the records' text
  std::uint32_t next_id = 1;
  std::size_t bytes = 0;
  char* block = nullptr;
  std::size_t block_left = 0;
};

// Never destroyed: spans, and other threads' caches, refer to its records until exit.
InternTable& table() {
  static InternTable* instance = new InternTable;
  return *instance;
}

std::size_t record_bytes(std::size_t text_size) {
  // Header, text, NUL; rounded up so that the next record stays 4-byte aligned.
  return (sizeof(StringRecord) + text_size + 1 + 3) & ~std::size_t{3};
}

// Out of line: inlined into intern(), its register use would give the cached path a
// heavy prologue.
[[gnu::noinline]] std::uint32_t intern_slow(std::string_view text, const StringRecord** records) {
  InternTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (auto found = t.ids.find(text); found != t.ids.end()) return found->second;
  const std::size_t bytes = record_bytes(text.size());
  if (t.next_id >= kMaxInternedStrings || t.bytes + bytes > kMaxInternedBytes) return 0;
  if (t.block_left < bytes) {
    t.block = static_cast<char*>(::operator new(kBlockBytes));
    t.block_left = kBlockBytes;
  }
  auto* record = new (t.block) StringRecord{static_cast<std::uint32_t>(text.size()), t.next_id};
  char* chars = t.block + sizeof(StringRecord);
  std::memcpy(chars, text.data(), text.size());
  chars[text.size()] = '\0';
  t.block += bytes;
  t.block_left -= bytes;
  t.bytes += bytes;
  const std::uint32_t id = t.next_id++;
  records[id] = record;
  t.ids.emplace(record->view(), id);
  return id;
}

// A cheap hash for the per-thread cache (a collision only costs a trip to the table):
// the length and the first and last eight bytes.
std::uint64_t quick_hash(std::string_view text) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const std::size_t n = text.size();
  const char* p = text.data();
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (n >= 8) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = static_cast<unsigned char>(p[0]) | (static_cast<unsigned char>(p[n / 2]) << 8) |
        (static_cast<unsigned char>(p[n - 1]) << 16);
  }
  std::uint64_t h = (a ^ (n * kMul)) * kMul;
  h = (h ^ b ^ (h >> 32)) * kMul;
  return h ^ (h >> 29);
}

// Whether `stored` (at least text.size() bytes) holds `text`. Keys and names are
// usually at most 16 bytes: two overlapping word compares each way, no memcmp call.
bool same_text(const char* stored, std::string_view text) {
  const std::size_t n = text.size();
  const char* p = text.data();
  if (n >= 8 && n <= 16) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, stored, 8);
    std::memcpy(&b, p, 8);
    std::memcpy(&c, stored + n - 8, 8);
    std::memcpy(&d, p + n - 8, 8);
    return ((a ^ b) | (c ^ d)) == 0;
  }
  if (n >= 4 && n < 8) {
    std::uint32_t a, b, c, d;
    std::memcpy(&a, stored, 4);
    std::memcpy(&b, p, 4);
    std::memcpy(&c, stored + n - 4, 4);
    std::memcpy(&d, p + n - 4, 4);
    return ((a ^ b) | (c ^ d)) == 0;
  }
  return n == 0 || std::memcmp(stored, p, n) == 0;
}

// Per thread, the ids of recently interned texts by hash: the common case (a literal
// key or a span name seen before) costs a hash and a compare, no lock. Trivially
// destructible, so usable while the thread's destructors run.
constexpr std::size_t kCacheSlots = 512;
thread_local std::uint32_t cache_ids[kCacheSlots];

}  // namespace

std::uint32_t SpanString::intern(std::string_view text) {
  if (text.size() > kMaxInternedLength) return 0;
  std::uint32_t& slot = cache_ids[quick_hash(text) & (kCacheSlots - 1)];
  if (slot != 0) {
    const StringRecord* record = records_[slot];
    if (record->size == text.size() && same_text(record->text(), text)) return slot;
  }
  const std::uint32_t id = intern_slow(text, records_);
  if (id != 0) slot = id;
  return id;
}

const StringRecord* SpanString::make_owned_record(std::string_view text) {
  void* memory = ::operator new(sizeof(StringRecord) + text.size() + 1);
  auto* record = new (memory) StringRecord{static_cast<std::uint32_t>(text.size()), 0};
  char* chars = static_cast<char*>(memory) + sizeof(StringRecord);
  if (!text.empty()) std::memcpy(chars, text.data(), text.size());
  chars[text.size()] = '\0';
  return record;
}

void SpanString::free_owned_record(const StringRecord* record) noexcept {
  ::operator delete(const_cast<StringRecord*>(record));
}

void SpanString::assign_owned(std::string_view text) {
  // Copied before the old record is freed: `text` may be this handle's own text.
  const StringRecord* record = make_owned_record(text);
  reset();
  bits_ = reinterpret_cast<std::uintptr_t>(record) | kOwnedBit;
}

std::ostream& operator<<(std::ostream& out, const SpanString& text) { return out << text.view(); }

}  // namespace gatetrace
