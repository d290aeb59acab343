// DictWriter: write access to an outgoing request's headers, so that gatetrace can
// inject trace context into whatever client a service uses. Implement `set`; it
// must replace any existing value of the same (case-insensitive) name.
#pragma once

#include "gatetrace/api.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatetrace {

class GATETRACE_API DictWriter {
 public:
  virtual ~DictWriter() = default;
  virtual void set(std::string_view key, std::string_view value) = 0;
};

// A DictWriter that collects headers into a vector of owned pairs; handy for clients
// that take headers as a list, and for tests.
class GATETRACE_API HeaderListWriter : public DictWriter {
 public:
  void set(std::string_view key, std::string_view value) override;
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace gatetrace
