// The one oneDNN context every oneDNN kernel uses: the CPU engine, a stream
// per thread, a thread-safe cache of primitives keyed by primitive kind,
// shapes and attributes, a per-thread scratchpad, and np::Layouts for
// oneDNN's blocked memory formats.
//
// Primitives are built with scratchpad_mode::user and run with the calling
// thread's scratchpad: oneDNN's library-managed scratchpad (this build has
// DNNL_ENABLE_CONCURRENT_EXEC off) is shared by all primitives and must not
// be used from two threads, and Session::run is called from many.
#pragma once
#include <array>
#include <compare>
#include <cstdint>
#include <memory>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "keraspp/np/device.h"

namespace tf::kernels::cpu::dnnl_context {

dnnl::engine& engine();
// The calling thread's stream on engine().
dnnl::stream& stream();

// What a cached primitive depends on: its kind, the OpenMP team size it is
// built for, then every shape, stride, data type, flag and attribute its
// descriptor was built from. oneDNN fixes a primitive's thread partition when
// it is built and runs that many threads whatever the team size at execution,
// so a run with fewer threads (the runtime's thread governor) needs its own.
class PrimitiveKey {
 public:
  // A reorder between two 5-d blocked formats takes 2 x (4 + 5 + 5 + 1 + 2).
  static constexpr size_t kMaxValues = 40;
  explicit PrimitiveKey(dnnl::primitive::kind kind);
  // Appends a value; std::length_error past kMaxValues.
  PrimitiveKey& add(int64_t value);
  friend auto operator<=>(const PrimitiveKey&, const PrimitiveKey&) = default;

 private:
  int kind_;
  int threads_;
  uint32_t size_ = 0;
  std::array<int64_t, kMaxValues> values_{};
};

namespace detail {
const void* find(const PrimitiveKey& key);
// Caches `entry` unless another thread cached one for `key` first; returns
// the cached one.
const void* insert(const PrimitiveKey& key, std::shared_ptr<const void> entry);
}  // namespace detail

// The cached entry (a primitive and the descriptors its arguments need) for
// `key`, built by build() on first use. Entries live as long as the process
// and may be executed from any thread. Each primitive kind keeps one Entry
// type. Two threads missing at once may both build; one entry is kept.
template <class Entry, class Build> const Entry& cached(const PrimitiveKey& key, Build build) {
  if (const void* e = detail::find(key)) return *static_cast<const Entry*>(e);
  return *static_cast<const Entry*>(detail::insert(key, std::make_shared<const Entry>(build())));
}

// The attributes every cached primitive is built with (user scratchpad).
dnnl::primitive_attr default_attr();
// The calling thread's scratchpad memory for a primitive whose
// scratchpad_desc() is `desc` (grown as needed, reused between calls).
dnnl::memory scratchpad(const dnnl::memory::desc& desc);

// An np::Layout for elements in a oneDNN memory format (a blocked one such
// as AB16b16a). Conversion runs a cached reorder primitive.
class DnnlLayout final : public np::Layout {
 public:
  // `desc` describes the stored elements; `name` is the format's name.
  DnnlLayout(dnnl::memory::desc desc, std::string name)
      : desc_(std::move(desc)), name_("dnnl:" + std::move(name)) {}
  const dnnl::memory::desc& desc() const { return desc_; }
  std::string name() const override { return name_; }
  size_t bytes(const np::Shape& shape, np::DType dtype) const override { return desc_.get_size(); }
  void to_plain(const void* src, void* dst, const np::Shape& shape, np::DType dtype) const override;
  // The other edge: writes plain elements at `src` into `dst` in this layout.
  void from_plain(const void* src, void* dst) const;

 private:
  dnnl::memory::desc desc_;
  std::string name_;
};

// Copies the elements at `src` (described by `from`) to `dst` (by `to`)
// with a cached reorder primitive.
void reorder(const dnnl::memory::desc& from, const void* src, const dnnl::memory::desc& to,
             void* dst);

}  // namespace tf::kernels::cpu::dnnl_context
