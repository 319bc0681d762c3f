// The shared oneDNN context (see dnnl_context.h).
#include "dnnl_context.h"

#include <omp.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>

#include "keraspp/np/array.h"

namespace tf::kernels::cpu::dnnl_context {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

PrimitiveKey::PrimitiveKey(dnnl::primitive::kind kind)
    : kind_(static_cast<int>(kind)), threads_(omp_get_max_threads()) {}

PrimitiveKey& PrimitiveKey::add(int64_t value) {
  if (size_ == kMaxValues) throw std::length_error("oneDNN primitive key is full");
  values_[size_++] = value;
  return *this;
}

namespace detail {
namespace {

struct Cache {
  std::shared_mutex mu;
  std::map<PrimitiveKey, std::shared_ptr<const void>> entries;
};

Cache& cache() {
  static Cache c;
  return c;
}

}  // namespace

const void* find(const PrimitiveKey& key) {
  Cache& c = cache();
  std::shared_lock<std::shared_mutex> lock(c.mu);
  auto it = c.entries.find(key);
  return it == c.entries.end() ? nullptr : it->second.get();
}

const void* insert(const PrimitiveKey& key, std::shared_ptr<const void> entry) {
  Cache& c = cache();
  std::unique_lock<std::shared_mutex> lock(c.mu);
  return c.entries.emplace(key, std::move(entry)).first->second.get();
}

}  // namespace detail

dnnl::primitive_attr default_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory scratchpad(const dnnl::memory::desc& desc) {
  struct Buffer {
    void* data = nullptr;
    size_t bytes = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buf;
  const size_t need = desc.get_size();
  if (need > buf.bytes) {
    const size_t bytes = (need + 4095) / 4096 * 4096;
    void* p = std::aligned_alloc(4096, bytes);
    if (!p) throw std::bad_alloc();
    std::free(buf.data);
    buf.data = p;
    buf.bytes = bytes;
  }
  return dnnl::memory(desc, engine(), buf.data);
}

namespace {

struct Reorder {
  dnnl::reorder prim;
  dnnl::memory::desc scratchpad;
};

// Every field of a memory descriptor a reorder depends on.
void add_desc(PrimitiveKey& key, const dnnl::memory::desc& d) {
  const dnnl_memory_desc_t& c = d.data;
  key.add(c.ndims).add(c.data_type).add(c.format_kind).add(c.offset0);
  for (int i = 0; i < c.ndims; ++i) key.add(c.dims[i]);
  if (c.format_kind != dnnl_blocked) return;
  const dnnl_blocking_desc_t& b = c.format_desc.blocking;
  for (int i = 0; i < c.ndims; ++i) key.add(b.strides[i]);
  key.add(b.inner_nblks);
  for (int i = 0; i < b.inner_nblks; ++i) key.add(b.inner_blks[i] * 64 + b.inner_idxs[i]);
}

}  // namespace

void reorder(const dnnl::memory::desc& from, const void* src, const dnnl::memory::desc& to,
             void* dst) {
  PrimitiveKey key(dnnl::primitive::kind::reorder);
  add_desc(key, from);
  add_desc(key, to);
  const Reorder& r = cached<Reorder>(key, [&] {
    dnnl::reorder::primitive_desc pd(engine(), from, engine(), to, default_attr());
    return Reorder{dnnl::reorder(pd), pd.scratchpad_desc()};
  });
  dnnl::memory in(from, engine(), const_cast<void*>(src)), out(to, engine(), dst);
  dnnl::stream& s = stream();
  r.prim.execute(s, {{DNNL_ARG_FROM, in}, {DNNL_ARG_TO, out},
                     {DNNL_ARG_SCRATCHPAD, scratchpad(r.scratchpad)}});
  s.wait();
}

namespace {

dnnl::memory::data_type dnnl_type(np::DType dtype) {
  switch (dtype) {
    case np::float32: return dnnl::memory::data_type::f32;
    case np::int32: return dnnl::memory::data_type::s32;
    case np::uint8: return dnnl::memory::data_type::u8;
    default: throw keraspp::TypeError("no oneDNN data type for " + np::dtype_name(dtype));
  }
}

// The plain (row-major) descriptor of a layout's elements.
dnnl::memory::desc plain_desc(const dnnl::memory::desc& d) {
  const dnnl_memory_desc_t& c = d.data;
  dnnl::memory::dims dims(c.dims, c.dims + c.ndims), strides(dims.size());
  int64_t stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= dims[i];
  }
  return dnnl::memory::desc(dims, d.data_type(), strides);
}

}  // namespace

void DnnlLayout::to_plain(const void* src, void* dst, const np::Shape& shape,
                          np::DType dtype) const {
  if (dnnl_type(dtype) != desc_.data_type() || np::shape_size(shape) * static_cast<int64_t>(np::itemsize(dtype)) !=
                                                  static_cast<int64_t>(plain_desc(desc_).get_size()))
    throw keraspp::ValueError("array of shape " + np::shape_str(shape) + " and dtype " +
                              np::dtype_name(dtype) + " does not match " + name_);
  reorder(desc_, src, plain_desc(desc_), dst);
}

void DnnlLayout::from_plain(const void* src, void* dst) const {
  reorder(plain_desc(desc_), src, desc_, dst);
}

}  // namespace tf::kernels::cpu::dnnl_context
