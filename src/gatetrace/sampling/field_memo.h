// FieldMemo: per thread, which rules a span's service, name and resource ruled out in a
// rule list's group (RuleList::ruled_out), for the field texts seen last. A service's
// traces repeat a handful of (service, name, resource) triples, so most decisions can
// skip the subjects' edge words and every field glob test, which are most of a decision
// against many rules.
//
// The key names the texts by their intern ids (span_string.h): a non-zero id names one
// text forever, and a handle that is neither interned nor owned is empty. A field held as
// an owned copy (a one-off text) has no such name: then there is no key and no memo. The
// rule list is named by a serial that is never reused (a list made at a freed one's
// address, or changed by RuleList::add, takes a new one), the group by its index. What a
// group's field tests answer is a function of exactly these, so a hit answers as the
// tests would.
//
// Direct-mapped (a collision replaces the older entry), allocated on a thread's first
// decision against rules; one per thread, so nothing here is locked or shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "gatetrace/common/thread_exit_safe.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

class FieldMemo {
 public:
  // Groups past this index are not memoized (4 million rules before they would be).
  static constexpr std::size_t kMaxGroups = std::size_t{1} << 15;

  // The key of `span`'s three fields (bit 63 set, so never 0), or 0 when one of them is
  // an owned copy.
  static std::uint64_t key_of(const SpanData& span) {
    const SpanString* const fields[3] = {&span.service, &span.name, &span.resource};
    std::uint64_t key = std::uint64_t{1} << 63;
    for (std::size_t i = 0; i < 3; ++i) {
      if (fields[i]->owned()) return 0;
      key |= std::uint64_t{fields[i]->id()} << (16 * i);
    }
    return key;
  }
  // `fields_key` (non-zero) and a group index below kMaxGroups as one key.
  static std::uint64_t with_group(std::uint64_t fields_key, std::size_t group) {
    return fields_key | (static_cast<std::uint64_t>(group) << 48);
  }

  // This thread's memo; null while the thread exits (after its memo went).
  static FieldMemo* for_this_thread() {
    FieldMemo* memo = ThreadExitSafe<FieldMemo>::get();
    if (memo != nullptr && memo->entries_ == nullptr) memo->entries_.reset(new Entry[kEntries]);
    return memo;
  }

  struct Entry {
    std::uint64_t key = 0;  // 0: unused
    std::uint64_t list = 0;
    std::uint64_t ruled_out = 0;

    bool holds(std::uint64_t list_serial, std::uint64_t group_key) const {
      return key == group_key && list == list_serial;
    }
  };

  // Where the answer for `group_key` of list `list_serial` is, or goes.
  Entry& slot(std::uint64_t list_serial, std::uint64_t group_key) {
    const std::uint64_t mixed =
        (group_key ^ (list_serial * 0x9E3779B97F4A7C15u)) * 0xFF51AFD7ED558CCDu;
    return entries_[mixed >> (64 - kEntryBits)];
  }

 private:
  static constexpr unsigned kEntryBits = 8;
  static constexpr std::size_t kEntries = std::size_t{1} << kEntryBits;

  std::unique_ptr<Entry[]> entries_;
};

}  // namespace gatetrace
