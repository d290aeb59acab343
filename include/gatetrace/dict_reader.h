// DictReader: read-only access to a request's headers (or any string map), so that
// gatetrace can extract trace context and proxy headers from whatever container a
// framework uses. An adapter is a few lines: implement `lookup` and `visit`.
//
// Contract: `lookup` matches the key ASCII-case-insensitively (HTTP header names are
// case-insensitive) and returns the first value when a header is repeated; `visit`
// calls the visitor for every entry. Keys passed to `lookup` are lowercase.
// The returned views must stay valid while the reader is alive.
#pragma once

#include "gatetrace/api.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace gatetrace {

class GATETRACE_API DictReader {
 public:
  virtual ~DictReader() = default;

  virtual std::optional<std::string_view> lookup(std::string_view key) const = 0;

  virtual void visit(
      const std::function<void(std::string_view key, std::string_view value)>& visitor) const = 0;

  // An opt-in promise that lets gatetrace read every header it needs in one `visit`
  // instead of one `lookup` per name: `visit` passes every entry, in the order in which
  // `lookup` searches them (so the first entry of a name is the value `lookup` returns),
  // and the views it passes stay valid while the reader is alive. Readers over stored
  // headers can make it; the default (false) keeps gatetrace on `lookup`.
  virtual bool visit_is_indexable() const { return false; }

  // The entries as one array of (name, value) views, for readers that keep them so:
  // gatetrace then reads them without a call per entry. Consulted only when
  // visit_is_indexable() is true, and under the same promise: exactly the entries
  // `visit` passes, in the same order. The default (no data) keeps gatetrace on `visit`.
  using Entry = std::pair<std::string_view, std::string_view>;
  struct Entries {
    const Entry* data = nullptr;
    std::size_t size = 0;
  };
  virtual Entries indexable_entries() const { return {}; }
};

// A DictReader over a flat list of (name, value) pairs, e.g. headers parsed by hand or
// kept by a framework in a vector. The pairs are not copied: they must outlive it.
class GATETRACE_API HeaderListReader : public DictReader {
 public:
  using Headers = std::vector<std::pair<std::string_view, std::string_view>>;

  explicit HeaderListReader(const Headers& headers) : headers_(headers) {}

  std::optional<std::string_view> lookup(std::string_view key) const override;
  void visit(const std::function<void(std::string_view, std::string_view)>& visitor) const override;
  bool visit_is_indexable() const override { return true; }
  // The list itself; not offered by a subclass, whose `visit` may differ from it.
  Entries indexable_entries() const override;

 private:
  const Headers& headers_;
};

// ASCII case-insensitive equality, as HTTP header names need.
GATETRACE_API bool equals_ignore_case(std::string_view a, std::string_view b) noexcept;

}  // namespace gatetrace
