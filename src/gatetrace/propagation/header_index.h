// HeaderIndex: one request's headers, read once. gatetrace asks for some 20 to 40 header
// names per request (the proxy headers, every propagation style's, the client-IP
// headers, host, user-agent), and over a framework's list each `lookup` is a linear,
// case-insensitive scan. HeaderIndex makes one `visit` pass over the framework's reader,
// keeps the first value of every name gatetrace reads in a fixed table, and answers
// `lookup` from it; names it does not index (configured header tags, say) go to the
// wrapped reader, and so does `visit`.
//
// Only readers that promise it (DictReader::visit_is_indexable) are indexed; any other
// is passed through unchanged, so that a reader whose `visit` is partial or hands out
// short-lived views keeps working exactly as before. The index holds views into the
// wrapped reader's headers: it must not outlive them. Built once per request by
// HttpServerSpan, and given to the proxy-header reader and to the tracer's extraction,
// whose styles read it by id (propagation/style_headers.h). (It lives in the
// propagation module, the lowest of its users; gatetrace/proxy/header_index.h, where it
// was first, includes it.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string_view>
#include <typeinfo>

#include "gatetrace/dict_reader.h"

namespace gatetrace {

// The headers gatetrace reads by name on every request. Those of the proxy headers, the
// request helper and the propagation styles have an id, for the callers that know the
// index (HeaderIndex::get is an array read); the client-IP headers are indexed by name
// only.
enum class IndexedHeader : std::uint8_t {
  kProxy,               // x-dd-proxy
  kProxyRequestTimeMs,  // x-dd-proxy-request-time-ms
  kProxyHttpMethod,     // x-dd-proxy-httpmethod
  kProxyPath,           // x-dd-proxy-path
  kProxyDomainName,     // x-dd-proxy-domain-name
  kProxyRegion,         // x-dd-proxy-region
  kProxyStage,          // x-dd-proxy-stage
  kProxyResourcePath,   // x-dd-proxy-resource-path
  kProxyAccountId,      // x-dd-proxy-account-id
  kProxyApiId,          // x-dd-proxy-api-id
  kProxyUser,           // x-dd-proxy-user
  kUserAgent,           // user-agent
  kHost,                // host
  kDatadogTraceId,      // x-datadog-trace-id
  kDatadogParentId,     // x-datadog-parent-id
  kDatadogPriority,     // x-datadog-sampling-priority
  kDatadogOrigin,       // x-datadog-origin
  kDatadogTags,         // x-datadog-tags
  kTraceparent,         // traceparent
  kTracestate,          // tracestate
  kBaggage,             // baggage
  kB3TraceId,           // x-b3-traceid
  kB3SpanId,            // x-b3-spanid
  kB3Sampled,           // x-b3-sampled
  kB3Flags,             // x-b3-flags
  kB3,                  // b3
};

// Every header name gatetrace's request path reads, lowercase; the first ones in the
// order of IndexedHeader. A name missing here still works (HeaderIndex::lookup falls
// back to the wrapped reader), only more slowly.
inline constexpr std::string_view kIndexedHeaderNames[] = {
    // IndexedHeader: the inferred proxy span's (proxy_headers.cpp) and the server span's.
    "x-dd-proxy",
    "x-dd-proxy-request-time-ms",
    "x-dd-proxy-httpmethod",
    "x-dd-proxy-path",
    "x-dd-proxy-domain-name",
    "x-dd-proxy-region",
    "x-dd-proxy-stage",
    "x-dd-proxy-resource-path",
    "x-dd-proxy-account-id",
    "x-dd-proxy-api-id",
    "x-dd-proxy-user",
    "user-agent",
    "host",
    // Propagation styles: datadog, tracecontext, baggage, b3multi, b3.
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-origin",
    "x-datadog-tags",
    "traceparent",
    "tracestate",
    "baggage",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-sampled",
    "x-b3-flags",
    "b3",
    // http.client_ip (http/client_ip.cpp).
    "x-forwarded-for",
    "x-real-ip",
    "true-client-ip",
    "x-client-ip",
    "forwarded",
    "forwarded-for",
    "x-cluster-client-ip",
    "fastly-client-ip",
    "cf-connecting-ip",
    "cf-connecting-ipv6",
};

// The position of `name` in kIndexedHeaderNames, matched ASCII-case-insensitively as
// DictReader::lookup does, or -1 when gatetrace does not index it.
int indexed_header_position(std::string_view name) noexcept;

class HeaderIndex final : public DictReader {
 public:
  explicit HeaderIndex(const DictReader& headers);
  HeaderIndex(const HeaderIndex&) = delete;
  HeaderIndex& operator=(const HeaderIndex&) = delete;

  std::optional<std::string_view> lookup(std::string_view key) const override;
  void visit(const std::function<void(std::string_view, std::string_view)>& visitor) const override;
  bool visit_is_indexable() const override { return indexed_; }
  Entries indexable_entries() const override {
    return indexed_ ? headers_.indexable_entries() : Entries{};
  }

  // lookup() of a name known by its id.
  std::optional<std::string_view> get(IndexedHeader header) const {
    const auto i = static_cast<std::size_t>(header);
    if (!indexed_) return headers_.lookup(kIndexedHeaderNames[i]);
    if (counts_[i + 1] != 0) return values_[i + 1].view();
    return std::nullopt;
  }

  // get() and maybe_repeated() of an index that is indexed(), the array reads alone: a
  // caller that reads several headers tests indexed() once.
  std::optional<std::string_view> get_indexed(IndexedHeader header) const {
    const auto slot = static_cast<std::size_t>(header) + 1;
    if (counts_[slot] != 0) return values_[slot].view();
    return std::nullopt;
  }
  bool repeated_indexed(IndexedHeader header) const {
    return counts_[static_cast<std::size_t>(header) + 1] > 1;
  }
  // Whether any of the `count` (at most 8) headers from `first` on, in IndexedHeader
  // order, came, for an index that is indexed(): one load of their counts, so that a
  // caller may skip reading a group of headers that requests seldom carry.
  bool any_indexed(IndexedHeader first, std::size_t count) const {
    std::uint64_t counts;
    std::memcpy(&counts, &counts_[static_cast<std::size_t>(first) + 1], sizeof counts);
    if constexpr (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) counts = __builtin_bswap64(counts);
    return (counts & (count >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * count)) - 1)) != 0;
  }

  // Whether the header may occur more than once: true when it did, and whenever the
  // headers were not indexed (nothing is known then). Extraction styles that must see
  // every occurrence of a header (traceparent, tracestate) visit the headers only then.
  bool maybe_repeated(IndexedHeader header) const {
    return !indexed_ || counts_[static_cast<std::size_t>(header) + 1] > 1;
  }

  // Whether the headers were indexed (the wrapped reader opted in).
  bool indexed() const { return indexed_; }

  // The reader itself when it is a HeaderIndex, else null: extraction, which is handed
  // a DictReader, reads the request helper's index by id this way.
  static const HeaderIndex* of(const DictReader& reader) noexcept {
    // HeaderIndex is final: the exact type is the only one to test for.
    return typeid(reader) == typeid(HeaderIndex) ? static_cast<const HeaderIndex*>(&reader)
                                                 : nullptr;
  }

 private:
  static constexpr std::size_t kNameCount = std::size(kIndexedHeaderNames);
  // A name's slot is 1 + its position in kIndexedHeaderNames (slot 0: not indexed).
  // Counted in whole 16-byte blocks, so that clamping the counts is a few vector ops.
  static constexpr std::size_t kSlotCount = (kNameCount + 1 + 15) / 16 * 16;
  static_assert(static_cast<std::size_t>(IndexedHeader::kB3) + 1 + 8 <= kSlotCount,
                "any_indexed() reads 8 counts from any id's slot");
  // The most entries indexed between two clampings of the counts: a count then never
  // exceeds 2 + this, and never wraps.
  static constexpr std::size_t kEntriesPerClamp = 250;
  static_assert(kEntriesPerClamp + 2 <= 255, "a count fits in a byte");

  // A string_view's bytes, left uninitialized: only the values of the names seen are
  // written and read, so the table is not zeroed for every request. Copied as bytes
  // (string_view is trivially copyable), so that recording an entry's value is one
  // 16-byte copy whatever the order of string_view's members.
  struct Value {
    alignas(std::string_view) unsigned char bytes[sizeof(std::string_view)];
    std::string_view view() const {
      std::string_view value;
      std::memcpy(&value, bytes, sizeof value);
      return value;
    }
    void set(const std::string_view& value) { std::memcpy(bytes, &value, sizeof value); }
  };

  void add(std::string_view name, std::string_view value);
  void record(const Entry& entry);
  void index_entries(const Entry* begin, const Entry* end);
  const Entry* index_all_but_first_run(const Entry* first, const Entry* end);
  void clamp_counts();

  const DictReader& headers_;
  bool indexed_ = false;
  // By slot: how often the name came, 0 when absent (then its value is unset), 1 once,
  // 2 or more when repeated. A byte per name, rather than "present" and "repeated" bit
  // masks, makes recording an entry one add; the counts are clamped to 2 often enough
  // that a byte never wraps (kEntriesPerClamp).
  std::uint8_t counts_[kSlotCount] = {};
  // By slot: the name's first value, when its count is not 0 (values_[0] is unused).
  Value values_[kNameCount + 1];
};

}  // namespace gatetrace
