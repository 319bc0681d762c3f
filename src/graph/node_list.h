// GraphData's node storage: an append-only list that one thread appends to
// (under GraphData::build_mu) while other threads read it without a lock, as
// when a session runs a graph that another thread is still extending (TF
// 1.x allows it). Elements live in segments that double in size, found
// through a fixed directory, so an append never moves an element or any
// structure a reader may be looking at (std::deque reallocates its block
// map); the count is published only after the new element is constructed.
#pragma once
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <new>
#include <utility>

namespace tf {

template <class T>
class AppendOnlyList {
 public:
  AppendOnlyList() = default;
  AppendOnlyList(const AppendOnlyList&) = delete;
  AppendOnlyList& operator=(const AppendOnlyList&) = delete;
  ~AppendOnlyList() {
    const size_t n = size_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < n; ++i) (*this)[i].~T();
    for (auto& segment : segments_)
      if (T* p = segment.load(std::memory_order_relaxed))
        ::operator delete(p, std::align_val_t(alignof(T)));
  }

  // Elements [0, size()) are complete and never move.
  size_t size() const { return size_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  const T& operator[](size_t i) const { return *slot(i); }
  T& operator[](size_t i) { return *slot(i); }
  T& back() { return *slot(size() - 1); }

  // Callers serialise appends; readers may run concurrently.
  void push_back(T&& value) {
    const size_t i = size_.load(std::memory_order_relaxed);
    const auto [segment, offset] = locate(i);
    T* p = segments_[segment].load(std::memory_order_relaxed);
    if (!p) {
      p = static_cast<T*>(::operator new(sizeof(T) * (kFirst << segment), std::align_val_t(alignof(T))));
      segments_[segment].store(p, std::memory_order_release);
    }
    new (p + offset) T(std::move(value));
    size_.store(i + 1, std::memory_order_release);
  }

  // Iterates the elements present when begin() was called.
  class const_iterator {
   public:
    const_iterator(const AppendOnlyList* list, size_t i) : list_(list), i_(i) {}
    const T& operator*() const { return (*list_)[i_]; }
    const_iterator& operator++() { return ++i_, *this; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

   private:
    const AppendOnlyList* list_;
    size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  static constexpr size_t kFirst = 16;  // segment s holds kFirst << s elements
  static constexpr size_t kSegments = 48;

  // Element i is at `offset` in segment `s`, which starts at kFirst * (2^s - 1).
  static std::pair<size_t, size_t> locate(size_t i) {
    const size_t s = static_cast<size_t>(std::bit_width(i / kFirst + 1)) - 1;
    return {s, i - kFirst * ((size_t{1} << s) - 1)};
  }
  T* slot(size_t i) const {
    const auto [segment, offset] = locate(i);
    return segments_[segment].load(std::memory_order_acquire) + offset;
  }

  std::array<std::atomic<T*>, kSegments> segments_{};
  std::atomic<size_t> size_{0};
};

}  // namespace tf
