#include "gatetrace/export/curl_http_client.h"

#include <curl/curl.h>

#include <mutex>
#include <string>

namespace gatetrace {
namespace {

// An agent never answers more than a small JSON object; cap what a broken one can make
// us hold.
constexpr std::size_t kMaxResponseBody = 1u << 20;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  if (body->size() < kMaxResponseBody) {
    body->append(data, std::min(bytes, kMaxResponseBody - body->size()));
  }
  return bytes;
}

std::string base_url(const AgentUrl& url) {
  if (url.scheme == AgentUrl::Scheme::kUnix) return "http://localhost";
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const AgentUrl& url)
      : unix_socket_(url.scheme == AgentUrl::Scheme::kUnix ? url.socket_path : ""),
        base_url_(base_url(url)) {
    global_init();
    handle_ = curl_easy_init();
  }
  ~CurlHttpClient() override {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Expected<HttpResponse> send(const HttpRequest& request,
                              std::chrono::milliseconds timeout) override {
    // Only the flush thread calls us; the lock makes a second caller safe, not fast.
    std::lock_guard<std::mutex> lock(mutex_);
    if (handle_ == nullptr) return Error{Error::kHttpTransport, "libcurl could not start"};

    CURL* curl = handle_;
    const std::string url = base_url_ + request.path;
    const long timeout_ms = std::max<long>(1, static_cast<long>(timeout.count()));
    error_buffer_[0] = '\0';
    HttpResponse response;

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH,
                     unix_socket_.empty() ? nullptr : unix_socket_.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer_);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      // POSTFIELDS with a size sends the body in one go with a Content-Length (never
      // chunked); CUSTOMREQUEST turns the POST into the requested method.
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // The options above point into this call's strings; drop them before returning.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, nullptr);
    curl_slist_free_all(headers);

    if (code != CURLE_OK) {
      std::string message = curl_easy_strerror(code);
      if (error_buffer_[0] != '\0') message += std::string(": ") + error_buffer_;
      return Error{Error::kHttpTransport,
                   url + (unix_socket_.empty() ? "" : " via " + unix_socket_) + ": " + message};
    }
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  std::mutex mutex_;
  std::string unix_socket_;
  std::string base_url_;
  CURL* handle_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace

std::shared_ptr<HttpClient> make_curl_http_client(const AgentUrl& url) {
  return std::make_shared<CurlHttpClient>(url);
}

}  // namespace gatetrace
