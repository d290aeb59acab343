// StyleHeaders: how the extraction styles read the request's headers. When the reader
// is the request helper's HeaderIndex (the usual server request), a style's header is an
// array read by id, and the index tells whether a header was repeated; over any other
// DictReader it is a lookup by name, exactly as DictReader::lookup answers it. Either
// way the value is the first one of the header, as DictReader::lookup defines.
// Internal to the propagation module.
#pragma once

#include <optional>
#include <string_view>

#include "gatetrace/dict_reader.h"
#include "gatetrace/propagation/header_index.h"

namespace gatetrace {
namespace propagation {

class StyleHeaders {
 public:
  explicit StyleHeaders(const DictReader& reader)
      : reader_(reader), index_(indexed_index_of(reader)) {}

  // The first value of the header, or nullopt when it is absent.
  std::optional<std::string_view> get(IndexedHeader header) const {
    if (index_ != nullptr) return index_->get_indexed(header);
    return reader_.lookup(kIndexedHeaderNames[static_cast<std::size_t>(header)]);
  }

  // True only when the index says the header did not come (false for a reader that
  // was not indexed, which get() asks by name): a style may then skip its call.
  bool surely_absent(IndexedHeader header) const {
    return index_ != nullptr && !index_->get_indexed(header);
  }

  // False only when the header is known to occur at most once; a style that must see
  // every occurrence then spares its visit of all headers.
  bool maybe_repeated(IndexedHeader header) const {
    return index_ == nullptr || index_->repeated_indexed(header);
  }

  const DictReader& reader() const { return reader_; }

 private:
  // The reader when it is a HeaderIndex that indexed its headers, else null: a
  // HeaderIndex that did not index them answers by name, as its lookup() does, and
  // tells nothing about repeats (maybe_repeated() is true).
  static const HeaderIndex* indexed_index_of(const DictReader& reader) noexcept {
    const HeaderIndex* index = HeaderIndex::of(reader);
    return index != nullptr && index->indexed() ? index : nullptr;
  }

  const DictReader& reader_;
  const HeaderIndex* index_;  // indexed, or null
};

}  // namespace propagation
}  // namespace gatetrace
