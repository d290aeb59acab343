// HeaderIndex's fast paths against the plain answers: every name length around the
// indexed ones (each size class of the name comparison), every indexed name in random
// case, the bytes the case-folded comparison must still reject (control bytes that
// equal '-' or a digit but for the case bit, non-ASCII bytes), near misses in every
// byte, and repeated names in lists long enough that the per-name counts are clamped
// between runs of entries (a count kept in a byte must never wrap).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/proxy/header_index.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;
constexpr std::size_t kIds = static_cast<std::size_t>(IndexedHeader::kB3) + 1;

// What a lookup by each indexed name would match.
int reference_position(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kIndexedHeaderNames); ++i) {
    if (equals_ignore_case(name, kIndexedHeaderNames[i])) return static_cast<int>(i);
  }
  return -1;
}

// Visits like a HeaderListReader but offers no entry array, so the index is built
// through `visit` (its counts saturate instead of being clamped between runs).
class VisitOnlyReader final : public DictReader {
 public:
  explicit VisitOnlyReader(const Headers& headers) : list_(headers) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    return list_.lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    list_.visit(visitor);
  }
  bool visit_is_indexable() const override { return true; }

 private:
  HeaderListReader list_;
};

// Every answer of the index against a scan of the list: values (the same bytes),
// repeats, lookups by every indexed name and by every name of the list.
void expect_index_agrees(const HeaderListReader& reader, const HeaderIndex& index,
                         const Headers& headers) {
  ASSERT_TRUE(index.indexed());
  for (std::size_t i = 0; i < std::size(kIndexedHeaderNames); ++i) {
    const std::string_view name = kIndexedHeaderNames[i];
    const auto expected = reader.lookup(name);
    const auto actual = index.lookup(name);
    ASSERT_EQ(actual.has_value(), expected.has_value()) << name;
    if (expected) {
      ASSERT_EQ(actual->data(), expected->data()) << name;
    }
    if (i >= kIds) continue;
    int occurrences = 0;
    for (const auto& entry : headers) occurrences += equals_ignore_case(entry.first, name);
    const auto id = static_cast<IndexedHeader>(i);
    ASSERT_EQ(index.maybe_repeated(id), occurrences > 1) << name << " x" << occurrences;
    const auto by_id = index.get(id);
    ASSERT_EQ(by_id.has_value(), expected.has_value()) << name;
    if (expected) {
      ASSERT_EQ(by_id->data(), expected->data()) << name;
    }
  }
  for (const auto& entry : headers) {
    const auto expected = reader.lookup(entry.first);
    const auto actual = index.lookup(entry.first);
    ASSERT_EQ(actual.has_value(), expected.has_value()) << entry.first;
    if (expected) {
      ASSERT_EQ(actual->data(), expected->data()) << entry.first;
    }
  }
}

// Through the entry array and through `visit`.
void expect_agrees(const Headers& headers) {
  const HeaderListReader reader(headers);
  {
    SCOPED_TRACE("entry array");
    const HeaderIndex index(reader);
    expect_index_agrees(reader, index, headers);
  }
  {
    SCOPED_TRACE("visit");
    const VisitOnlyReader visited(headers);
    const HeaderIndex index(visited);
    expect_index_agrees(reader, index, headers);
  }
}

std::string random_case(std::string_view name, std::mt19937& rng) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z' && (rng() & 1)) c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

TEST(HeaderIndexFastPath, NamesOfEveryLengthUpTo40) {
  // Each indexed name cut or padded to every length, with bytes a name may have, and
  // names of one repeated byte: every size class, and the sizes never indexed.
  for (std::size_t size = 0; size <= 40; ++size) {
    for (std::string_view indexed : kIndexedHeaderNames) {
      for (char pad : {'-', 'a', '0', 'x'}) {
        std::string name(indexed.substr(0, std::min(size, indexed.size())));
        name.resize(size, pad);
        ASSERT_EQ(indexed_header_position(name), reference_position(name)) << name;
        std::string from_end(indexed.substr(indexed.size() - std::min(size, indexed.size())));
        from_end.insert(0, size - from_end.size(), pad);
        ASSERT_EQ(indexed_header_position(from_end), reference_position(from_end)) << from_end;
      }
    }
    // NUL, '-', 'a', 'Z', DEL, and two non-ASCII bytes.
    for (int byte : {0x00, 0x2d, 0x61, 0x5a, 0x7f, 0x80, 0xff}) {
      const std::string name(size, static_cast<char>(byte));
      ASSERT_EQ(indexed_header_position(name), -1) << size << " x " << byte;
    }
  }
}

TEST(HeaderIndexFastPath, EveryIndexedNameInRandomCase) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> names;
    for (std::string_view name : kIndexedHeaderNames) names.push_back(random_case(name, rng));
    std::vector<std::string> values;
    Headers headers;
    for (std::size_t i = 0; i < names.size(); ++i) values.push_back("v" + std::to_string(i));
    for (std::size_t i = 0; i < names.size(); ++i) {
      ASSERT_EQ(indexed_header_position(names[i]), static_cast<int>(i)) << names[i];
      headers.emplace_back(names[i], values[i]);
    }
    expect_agrees(headers);
  }
}

// The folded comparison ORs the case bit into every byte: a control byte that is '-'
// (0x2D) or a digit (0x30-0x39) without that bit, 0x0D or 0x10-0x19, must not match,
// in a name otherwise lowercase or in any case; nor may a non-ASCII byte.
TEST(HeaderIndexFastPath, CaseBitLookalikesAndNonAsciiAreRejected) {
  std::mt19937 rng(11);
  for (std::string_view indexed : kIndexedHeaderNames) {
    for (std::size_t at = 0; at < indexed.size(); ++at) {
      for (bool other_bytes_random_case : {false, true}) {
        std::string name =
            other_bytes_random_case ? random_case(indexed, rng) : std::string(indexed);
        const char c = indexed[at];
        for (int byte : {c ^ 0x20, c ^ 0x80, (c ^ 0x20) | 0x80, 0x80, 0xc0 | (c & 0x1f)}) {
          name[at] = static_cast<char>(byte);
          ASSERT_EQ(indexed_header_position(name), reference_position(name))
              << indexed << " byte " << byte << " at " << at;
        }
      }
    }
  }
}

// A name one byte off an indexed name (in any case), in every position: the probe byte
// may then pick the name, and only the comparison tells them apart.
TEST(HeaderIndexFastPath, NearMissesInEveryByte) {
  std::mt19937 rng(13);
  for (std::string_view indexed : kIndexedHeaderNames) {
    for (std::size_t at = 0; at < indexed.size(); ++at) {
      for (int trial = 0; trial < 8; ++trial) {
        std::string name = random_case(indexed, rng);
        name[at] = static_cast<char>(name[at] + 1 + rng() % 255);
        ASSERT_EQ(indexed_header_position(name), reference_position(name)) << name;
        Headers headers = {{name, "near"}, {indexed, "exact"}};
        expect_agrees(headers);
      }
    }
  }
}

// A name repeated across the runs the counts are clamped between (250 entries), and
// exactly 256 or 512 times, where a byte count would wrap to 0 if never clamped.
TEST(HeaderIndexFastPath, RepeatsInLongLists) {
  std::vector<std::string> filler;
  for (int i = 0; i < 1100; ++i) filler.push_back("x-filler-" + std::to_string(i));
  for (std::size_t size : {64, 65, 249, 250, 251, 252, 499, 500, 501, 511, 512, 513, 1100}) {
    for (std::size_t repeats : {1, 2, 3, 255, 256, 257, 511, 512}) {
      if (repeats > size) continue;
      for (std::size_t stride : {1, 2, 7}) {
        if ((repeats - 1) * stride >= size) continue;
        // `repeats` occurrences of tracestate every `stride` entries from the end (so
        // the first one is in the earliest run), the rest filler; b3 at the very end,
        // host at the very start.
        Headers headers;
        for (std::size_t i = 0; i < size; ++i) headers.emplace_back(filler[i], filler[i]);
        for (std::size_t k = 0; k < repeats; ++k) {
          headers[size - 1 - k * stride].first = (k % 2) ? "TraceState" : "tracestate";
        }
        headers.back().first = "b3";
        headers.front().first = "Host";
        SCOPED_TRACE(testing::Message()
                     << size << " entries, " << repeats << " repeats, stride " << stride);
        expect_agrees(headers);
      }
    }
  }
}

TEST(HeaderIndexFastPath, EveryIdRepeatedInALongList) {
  std::vector<std::string> values;
  for (int i = 0; i < 2000; ++i) values.push_back(std::to_string(i));
  Headers headers;
  for (std::size_t round = 0; round < 70; ++round) {
    for (std::size_t i = 0; i < kIds; ++i) {
      headers.emplace_back(kIndexedHeaderNames[i], values[headers.size()]);
    }
  }
  ASSERT_GT(headers.size(), 1500u);
  expect_agrees(headers);
  // Once more with one id present only once, as the last entry.
  headers.emplace_back("forwarded", "last");
  expect_agrees(headers);
}

TEST(HeaderIndexFastPath, RandomListsAgreeWithTheReader) {
  std::mt19937 rng(17);
  std::vector<std::string> names;
  std::vector<std::string> values;
  for (int list = 0; list < 3000; ++list) {
    const std::size_t size = list % 100 == 0 ? 260 + rng() % 300 : rng() % 40;
    names.clear();
    values.clear();
    for (std::size_t i = 0; i < size; ++i) {
      std::string name =
          random_case(kIndexedHeaderNames[rng() % std::size(kIndexedHeaderNames)], rng);
      if (rng() % 4 == 0 && !name.empty()) name[rng() % name.size()] = static_cast<char>(rng());
      if (rng() % 8 == 0) name.resize(rng() % 41, 'q');
      names.push_back(std::move(name));
      values.push_back(std::to_string(i));
    }
    Headers headers;
    for (std::size_t i = 0; i < size; ++i) headers.emplace_back(names[i], values[i]);
    expect_agrees(headers);
  }
}

}  // namespace
}  // namespace gatetrace
