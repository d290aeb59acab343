#include "gatetrace/span_string.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <ostream>

#include "gatetrace/span_keys.h"

namespace gatetrace {
namespace {

using detail::kMaxInternedStrings;
using detail::same_text;
using detail::StringRecord;

// The records of span_keys.h's ids, constants of the library (room for keys of up to
// 31 bytes, and for their fixstr runs).
struct FixedRecord {
  StringRecord header;
  char text[detail::kFixstrLimit];
};

constexpr FixedRecord fixed(std::uint32_t id, std::uint8_t flag = 0) {
  const std::string_view text = span_keys::kTexts[id];
  // A fixed key's filter bit is its id (span_keys.h).
  FixedRecord record{{static_cast<std::uint32_t>(text.size()), static_cast<std::uint16_t>(id),
                      static_cast<std::uint8_t>(id | flag), detail::fixstr_header(text.size())},
                     {}};
  for (std::size_t i = 0; i < text.size(); ++i) record.text[i] = text[i];
  return record;
}

// In span_keys.h's order: kFixed[i] has id i + 1.
constexpr FixedRecord kFixed[] = {
    fixed(span_keys::kEnv),
    fixed(span_keys::kVersion),
    fixed(span_keys::kLanguage, detail::kLanguageKeyFlag),
    fixed(span_keys::kRuntimeId, detail::kRuntimeIdKeyFlag),
    fixed(span_keys::kOrigin),
    fixed(span_keys::kTraceIdHigh),
    fixed(span_keys::kDecisionMaker),
    fixed(span_keys::kPropagationError),
    fixed(span_keys::kParentId),
    fixed(span_keys::kSamplingPriority),
    fixed(span_keys::kBaseService, detail::kBaseServiceKeyFlag),
    fixed(span_keys::kProcessId),
    fixed(span_keys::kAgentRate),
    fixed(span_keys::kRuleRate),
    fixed(span_keys::kLimitRate),
    fixed(span_keys::kErrorMessage),
    fixed(span_keys::kErrorType),
    fixed(span_keys::kErrorStack),
    fixed(span_keys::kComponent),
    fixed(span_keys::kSpanKind),
    fixed(span_keys::kHttpMethod),
    fixed(span_keys::kHttpUrl),
    fixed(span_keys::kHttpClientIp),
    fixed(span_keys::kHttpRoute),
    fixed(span_keys::kHttpUserAgent),
    fixed(span_keys::kHttpStatusCode),
    fixed(span_keys::kInferredSpan),
    fixed(span_keys::kRegion),
    fixed(span_keys::kStage),
    fixed(span_keys::kOutHost),
};
static_assert(sizeof kFixed / sizeof kFixed[0] == span_keys::kCount);

// Id 0's record: the empty text, so that an empty slot of the per-thread cache (address
// null, length 0, id 0) answers an empty text with 0 without a special case.
constexpr FixedRecord kEmptyRecord = fixed(0);

}  // namespace

// Constant-initialized: the fixed keys are readable before any code runs.
std::atomic<const detail::StringRecord*> SpanString::records_[detail::kMaxInternedStrings] = {
    &kEmptyRecord.header, &kFixed[0].header,  &kFixed[1].header,  &kFixed[2].header,
    &kFixed[3].header,    &kFixed[4].header,  &kFixed[5].header,  &kFixed[6].header,
    &kFixed[7].header,    &kFixed[8].header,  &kFixed[9].header,  &kFixed[10].header,
    &kFixed[11].header,   &kFixed[12].header, &kFixed[13].header, &kFixed[14].header,
    &kFixed[15].header,   &kFixed[16].header, &kFixed[17].header, &kFixed[18].header,
    &kFixed[19].header,   &kFixed[20].header, &kFixed[21].header, &kFixed[22].header,
    &kFixed[23].header,   &kFixed[24].header, &kFixed[25].header, &kFixed[26].header,
    &kFixed[27].header,   &kFixed[28].header, &kFixed[29].header,
};
static_assert(span_keys::kCount == 30, "list every fixed record in records_");

namespace {

// Texts longer than this are never interned (resources such as SQL statements can be
// long and many; names and keys are short).
constexpr std::size_t kMaxInternedLength = 200;
// The table's text, records included, stays below this.
constexpr std::size_t kMaxInternedBytes = std::size_t{2} << 20;
// Records are carved from blocks of this size: no malloc header per record.
constexpr std::size_t kBlockBytes = 64 * 1024;

// The table's index: open addressing over twice as many slots as ids, so that probes
// stay short. A slot is 0 (empty) or the id in its low 16 bits and 16 more bits of the
// text's hash above them (most probes of another text end without reading a record).
// Slots are written once, under the lock, after the record (release); read without a
// lock (acquire). 512 KiB of zeroed memory, resident only as far as it is used.
constexpr std::size_t kIndexSlots = std::size_t{2} * kMaxInternedStrings;
static_assert(kMaxInternedStrings <= (1u << 16), "ids fit in a slot's low 16 bits");
std::atomic<std::uint32_t> index_slots[kIndexSlots];
// Set once no more texts are added: lookups that miss then take no lock.
std::atomic<bool> table_full{false};

// What only the lock's holder touches.
struct Writer {
  std::mutex mutex;
  std::uint32_t next_id = span_keys::kCount + 1;
  std::size_t bytes = 0;
  char* block = nullptr;
  std::size_t block_left = 0;
};
// Never destroyed: spans, and other threads' caches, refer to its records until exit.
Writer& writer() {
  static Writer* instance = new Writer;
  return *instance;
}

std::size_t record_bytes(std::size_t text_size) {
  // Rounded up so that the next record stays 4-byte aligned.
  return (detail::string_record_bytes(text_size) + 3) & ~std::size_t{3};
}

// Writes the record of `text` with `id` at `memory` (string_record_bytes(text.size()) bytes);
// the bytes past the NUL are zeroed, so that a fixstr run copies only defined bytes.
StringRecord* write_record(void* memory, std::string_view text, std::uint32_t id) {
  auto* record = new (memory) StringRecord{
      static_cast<std::uint32_t>(text.size()), static_cast<std::uint16_t>(id),
      id != 0 ? SpanString::key_bit_of(text) : std::uint8_t{0}, detail::fixstr_header(text.size())};
  char* chars = static_cast<char*>(memory) + sizeof(StringRecord);
  if (!text.empty()) std::memcpy(chars, text.data(), text.size());
  const std::size_t tail = detail::string_record_bytes(text.size()) - sizeof(StringRecord);
  std::memset(chars + text.size(), 0, tail - text.size());
  return record;
}

// A hash of the whole text (the index and the doorkeeper need one that separates texts
// differing anywhere, e.g. ids in the middle of a resource).
std::uint64_t hash_text(std::string_view text) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const char* p = text.data();
  std::size_t n = text.size();
  std::uint64_t h = (n + 1) * kMul;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * kMul;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, n);
    h = (h ^ word) * kMul;
  }
  h ^= h >> 29;
  h *= kMul;
  return h ^ (h >> 32);
}

std::uint32_t slot_tag(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 48); }

void publish(std::uint64_t hash, std::uint32_t id) {
  for (std::size_t i = hash & (kIndexSlots - 1);; i = (i + 1) & (kIndexSlots - 1)) {
    if (index_slots[i].load(std::memory_order_relaxed) == 0) {
      index_slots[i].store((slot_tag(hash) << 16) | id, std::memory_order_release);
      return;
    }
  }
}

// The fixed keys, in the index before the first lookup.
bool publish_fixed() {
  for (const FixedRecord& record : kFixed) {
    publish(hash_text(record.header.view()), record.header.id);
  }
  return true;
}

std::uint32_t find_in_index(std::string_view text, std::uint64_t hash,
                            const std::atomic<const StringRecord*>* records) {
  static const bool fixed_published = publish_fixed();
  (void)fixed_published;
  const std::uint32_t tag = slot_tag(hash);
  for (std::size_t i = hash & (kIndexSlots - 1);; i = (i + 1) & (kIndexSlots - 1)) {
    const std::uint32_t slot = index_slots[i].load(std::memory_order_acquire);
    if (slot == 0) return 0;
    if ((slot >> 16) != tag) continue;
    const std::uint32_t id = slot & 0xffff;
    const StringRecord* record = records[id].load(std::memory_order_relaxed);
    if (record->size == text.size() && same_text(record->text(), text)) return id;
  }
}

// Adds `text` (not in the index a moment ago) under the lock; 0 when there is no room.
std::uint32_t add(std::string_view text, std::uint64_t hash,
                  std::atomic<const StringRecord*>* records) {
  Writer& w = writer();
  std::lock_guard<std::mutex> lock(w.mutex);
  // Another thread may have added it since.
  if (const std::uint32_t id = find_in_index(text, hash, records)) return id;
  const std::size_t bytes = record_bytes(text.size());
  if (w.next_id >= kMaxInternedStrings || w.bytes + bytes > kMaxInternedBytes) {
    // Full once not even the longest text fits; until then shorter texts may.
    if (w.next_id >= kMaxInternedStrings ||
        w.bytes + record_bytes(kMaxInternedLength) > kMaxInternedBytes) {
      table_full.store(true, std::memory_order_relaxed);
    }
    return 0;
  }
  if (w.block_left < bytes) {
    w.block = static_cast<char*>(::operator new(kBlockBytes));
    w.block_left = kBlockBytes;
  }
  const StringRecord* record = write_record(w.block, text, w.next_id);
  w.block += bytes;
  w.block_left -= bytes;
  w.bytes += bytes;
  const std::uint32_t id = w.next_id++;
  records[id].store(record, std::memory_order_release);
  publish(hash, id);  // after the record: a reader finding the slot finds the record
  return id;
}

// Per thread, the ids of recently seen texts by address and length: a key or name
// written from a literal or a long-lived string costs a multiply, a few compares and a
// compare of its bytes with the stored text, no hash of the text and no lock.
// Trivially destructible, so usable while the thread's destructors run.
struct CacheSlot {
  const char* data;
  std::uint32_t size;
  std::uint32_t id;
};
// 256 slots (4 KiB) in 64 sets of 4 ways, a set per cache line: a text is evicted only
// by four newer texts of its set. Direct-mapped, two hot texts that shared a slot evicted
// each other on every use, each miss a hash of the text and an index probe (~145
// instructions), and among 20 hot texts two share one of 256 slots about one time in
// two (the example service's inner request, named "GET" and then "GET /internal/stock/
// {id}" from two stack buffers, missed twice per request); five of 30 share a set of
// four about one time in 200.
constexpr std::size_t kCacheWays = 4;
constexpr std::size_t kCacheSets = 64;
struct alignas(64) CacheSet {
  CacheSlot ways[kCacheWays];  // the newest first
};
thread_local CacheSet cache[kCacheSets];

CacheSet& cache_set(std::string_view text) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const std::uint64_t key = (reinterpret_cast<std::uintptr_t>(text.data()) ^ text.size()) * kMul;
  return cache[key >> 58];
}

// The way cached under the text's address and length, or null. An empty way (null, 0,
// 0) matches only an empty text, whose id is 0 all the same.
CacheSlot* cached_way(CacheSet& set, std::string_view text) {
  for (CacheSlot& way : set.ways) {
    if (way.data == text.data() && way.size == text.size()) return &way;
  }
  return nullptr;
}

// The cached path: texts of up to 32 bytes (keys and names); longer ones are compared in
// intern_miss().
bool cache_hit(const CacheSlot* way, std::string_view text,
               const std::atomic<const StringRecord*>* records) {
  return way != nullptr && text.size() <= 32 &&
         same_text(records[way->id].load(std::memory_order_relaxed)->text(), text);
}

// Caches `id` for the text: in place of the way of the same address and length (a
// buffer now holding another text), else as the set's newest, the oldest dropped.
void remember(CacheSet& set, std::string_view text, std::uint32_t id) {
  CacheSlot* way = cached_way(set, text);
  if (way == nullptr) {
    std::memmove(&set.ways[1], &set.ways[0], sizeof(CacheSlot) * (kCacheWays - 1));
    way = &set.ways[0];
  }
  *way = CacheSlot{text.data(), static_cast<std::uint32_t>(text.size()), id};
}

// The doorkeeper: per thread, fingerprints of texts looked up and not in the table. A
// text is added to the table only when its fingerprint is found here (seen before on
// this thread), so texts that occur once (ids in a resource, say) stay out of it. Each
// text has two places (from different bits of its hash), so that a working set of a
// thousand keys and names is not evicted between two sightings; an eviction only delays
// a text's interning. 16 KiB per thread; trivially destructible, like the cache.
constexpr std::size_t kDoorkeeperSlots = 4096;
thread_local std::uint32_t doorkeeper[kDoorkeeperSlots];

// Seen before on this thread? Notes it if not.
bool seen_before(std::uint64_t hash) {
  const auto fingerprint = static_cast<std::uint32_t>(hash) | 1;  // never 0 (empty)
  std::uint32_t& first = doorkeeper[(hash >> 32) & (kDoorkeeperSlots - 1)];
  std::uint32_t& second = doorkeeper[(hash >> 44) & (kDoorkeeperSlots - 1)];
  if (first == fingerprint || second == fingerprint) return true;
  (first == 0 ? first : second) = fingerprint;
  return false;
}

enum class Mode { kAdd, kGuarded, kLookup };

// Out of line: inlined into the callers, its register use would give the cached path a
// heavy prologue.
[[gnu::noinline]] std::uint32_t intern_miss(std::string_view text, CacheSet& set, Mode mode,
                                            std::atomic<const StringRecord*>* records) {
  if (text.empty() || text.size() > kMaxInternedLength) return 0;
  // A cached text too long for cache_hit()'s compare.
  if (const CacheSlot* way = cached_way(set, text);
      way != nullptr && std::memcmp(records[way->id].load(std::memory_order_relaxed)->text(),
                                    text.data(), text.size()) == 0) {
    return way->id;
  }
  const std::uint64_t hash = hash_text(text);
  std::uint32_t id = find_in_index(text, hash, records);
  if (id == 0) {
    if (mode == Mode::kLookup || table_full.load(std::memory_order_relaxed)) return 0;
    if (mode == Mode::kGuarded && !seen_before(hash)) return 0;
    id = add(text, hash, records);
    if (id == 0) return 0;
  }
  remember(set, text, id);
  return id;
}

}  // namespace

std::uint32_t SpanString::intern(std::string_view text) {
  CacheSet& set = cache_set(text);
  const CacheSlot* way = cached_way(set, text);
  if (cache_hit(way, text, records_)) return way->id;
  return intern_miss(text, set, Mode::kAdd, records_);
}

std::uint32_t SpanString::intern_guarded(std::string_view text) {
  CacheSet& set = cache_set(text);
  const CacheSlot* way = cached_way(set, text);
  if (cache_hit(way, text, records_)) return way->id;
  return intern_miss(text, set, Mode::kGuarded, records_);
}

std::uint32_t SpanString::lookup(std::string_view text) {
  CacheSet& set = cache_set(text);
  const CacheSlot* way = cached_way(set, text);
  if (cache_hit(way, text, records_)) return way->id;
  return intern_miss(text, set, Mode::kLookup, records_);
}

std::uint8_t SpanString::key_bit_of(std::string_view text) {
  // The hash's top bits: texts that differ anywhere usually differ here.
  return static_cast<std::uint8_t>(hash_text(text) >> 59);
}

const StringRecord* SpanString::make_owned_record(std::string_view text) {
  return write_record(::operator new(detail::string_record_bytes(text.size())), text, 0);
}

void SpanString::free_owned() noexcept { ::operator delete(const_cast<StringRecord*>(record())); }

void SpanString::assign_owned(std::string_view text) {
  // Copied before the old record is freed: `text` may be this handle's own text.
  const StringRecord* record = make_owned_record(text);
  reset();
  bits_ = reinterpret_cast<std::uintptr_t>(record) | kOwnedBit;
}

std::ostream& operator<<(std::ostream& out, const SpanString& text) { return out << text.view(); }

}  // namespace gatetrace
