// Test double for the agent connection: records every request and answers from a
// script (a FIFO of one-shot results, then a default), so exporter tests run without
// sockets and decide exactly how the "agent" behaves. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "gatetrace/http_client.h"

namespace gatetrace::testing {

class FakeHttpClient : public HttpClient {
 public:
  struct Recorded {
    HttpRequest request;
    std::chrono::milliseconds timeout;
    std::size_t body_capacity = 0;  // of the caller's body (the copy above has its own)
  };

  Expected<HttpResponse> send(const HttpRequest& request,
                              std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    recorded_.push_back({request, timeout, request.body.capacity()});
    changed_.notify_all();
    // A held client answers nothing until released (or the timeout passes), like a
    // hung agent.
    changed_.wait_for(lock, timeout, [&] { return !held_; });
    if (held_) return Error{Error::kHttpTransport, "timed out (held)"};
    if (!script_.empty()) {
      auto result = std::move(script_.front());
      script_.pop_front();
      return result;
    }
    return default_result_;
  }

  void set_default(Expected<HttpResponse> result) {
    std::lock_guard<std::mutex> lock(mutex_);
    default_result_ = std::move(result);
  }
  void push(Expected<HttpResponse> result) {
    std::lock_guard<std::mutex> lock(mutex_);
    script_.push_back(std::move(result));
  }
  void hold(bool held) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_ = held;
    changed_.notify_all();
  }

  std::vector<Recorded> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return recorded_;
  }
  std::size_t request_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return recorded_.size();
  }
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return recorded_.size() >= n; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Recorded> recorded_;
  std::deque<Expected<HttpResponse>> script_;
  Expected<HttpResponse> default_result_{HttpResponse{200, R"({"rate_by_service":{}})"}};
  bool held_ = false;
};

}  // namespace gatetrace::testing
