// ThreadExitSafe<T>: one T per thread, made on first use, that code run by the thread's
// exiting destructors can still ask for. A span finished by another thread_local's
// destructor, say, reaches the per-thread span pool, segment pool or sampling cache after
// they may have been destroyed: a plain thread_local T would then be used after its
// destruction. get() answers null from then on (callers fall back to the heap or a lock),
// and its fast path reads a plain thread-local pointer (no initialization guard).
//
//   struct Pool { ... };
//   Pool* pool = ThreadExitSafe<Pool>::get();  // null once this thread's Pool is gone
#pragma once

namespace gatetrace {

template <typename T>
class ThreadExitSafe {
 public:
  static T* get() { return current_ != nullptr ? current_ : create(); }

 private:
  enum class State : unsigned char { kUnused, kAlive, kDestroyed };
  struct Holder {
    T value;
    // Runs before `value`'s destructor: whatever that destructor frees sees null.
    ~Holder() {
      state_ = State::kDestroyed;
      current_ = nullptr;
    }
  };

  static T* create() {
    if (state_ == State::kDestroyed) return nullptr;
    thread_local Holder holder;
    state_ = State::kAlive;
    current_ = &holder.value;
    return current_;
  }

  // Trivially destructible and constant-initialized: readable while the thread's
  // destructors run.
  static inline thread_local State state_ = State::kUnused;
  static inline thread_local T* current_ = nullptr;
};

}  // namespace gatetrace
