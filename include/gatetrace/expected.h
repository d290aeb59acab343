// `Expected<T>`: the result of a call that can fail with a user-caused `Error`.
// It is a thin wrapper over std::variant (C++17 has no std::expected) with the
// accessors users know from std::expected: `if (result) use(*result); else
// log(result.error().message);`. `Expected<void>` is for calls that only succeed
// or fail.
#pragma once

#include <utility>
#include <variant>

#include "gatetrace/error.h"

namespace gatetrace {

template <typename T>
class Expected {
 public:
  Expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Expected(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(data_); }
  const Error& error() const& { return std::get<1>(data_); }

  // The error, if any, as a pointer: `if (auto* err = result.if_error()) ...`.
  const Error* if_error() const noexcept { return std::get_if<1>(&data_); }

 private:
  std::variant<T, Error> data_;
};

template <>
class Expected<void> {
 public:
  Expected() = default;
  Expected(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return has_value(); }
  const Error& error() const& { return error_; }
  const Error* if_error() const noexcept { return failed_ ? &error_ : nullptr; }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace gatetrace
