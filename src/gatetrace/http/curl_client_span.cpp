#include <string>

#include "gatetrace/curl_client_span.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/http_client_span.h"

namespace gatetrace {
namespace {

// Appends "name: value" lines to a curl_slist.
class CurlHeaderWriter : public DictWriter {
 public:
  explicit CurlHeaderWriter(curl_slist* list) : list_(list) {}
  void set(std::string_view key, std::string_view value) override {
    line_.assign(key).append(": ").append(value);
    if (curl_slist* grown = curl_slist_append(list_, line_.c_str())) list_ = grown;
  }
  curl_slist* list() const { return list_; }

 private:
  curl_slist* list_;
  std::string line_;
};

}  // namespace

CURLcode perform_traced(Tracer& tracer, const Span& parent, CURL* handle, std::string_view method,
                        std::string_view url, curl_slist* headers) {
  HttpClientSpan call(tracer, parent, {method, url, "curl"});
  curl_slist* copy = nullptr;
  for (curl_slist* item = headers; item != nullptr; item = item->next) {
    if (curl_slist* grown = curl_slist_append(copy, item->data)) copy = grown;
  }
  CurlHeaderWriter writer(copy);
  call.inject(writer);
  const std::string url_text(url);
  curl_easy_setopt(handle, CURLOPT_URL, url_text.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, writer.list());
  const CURLcode result = curl_easy_perform(handle);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_slist_free_all(writer.list());
  if (result == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    call.set_status(static_cast<int>(status));
  } else {
    call.set_error("CURLcode " + std::to_string(static_cast<int>(result)),
                   curl_easy_strerror(result));
  }
  return result;
}

}  // namespace gatetrace
