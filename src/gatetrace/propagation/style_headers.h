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
      : reader_(reader), index_(HeaderIndex::of(reader)) {}

  // The first value of the header, or nullopt when it is absent.
  std::optional<std::string_view> get(IndexedHeader header) const {
    if (index_ != nullptr) return index_->get(header);
    return reader_.lookup(kIndexedHeaderNames[static_cast<std::size_t>(header)]);
  }

  // False only when the header is known to occur at most once; a style that must see
  // every occurrence then spares its visit of all headers.
  bool maybe_repeated(IndexedHeader header) const {
    return index_ == nullptr || index_->maybe_repeated(header);
  }

  const DictReader& reader() const { return reader_; }

 private:
  const DictReader& reader_;
  const HeaderIndex* index_;
};

}  // namespace propagation
}  // namespace gatetrace
