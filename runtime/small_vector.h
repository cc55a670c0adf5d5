// SmallVector: a vector whose first N elements live inline (on the caller's stack), so
// the cached-dispatch path (Fn::call -> Executable::run) handles the usual few
// arguments and buffers without touching the heap; more than N spill to the heap.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <span>
#include <utility>

namespace lanes::internal {

template <class T, std::size_t N>
class SmallVector {
 public:
  SmallVector() = default;
  SmallVector(const SmallVector&) = delete;
  SmallVector& operator=(const SmallVector&) = delete;
  ~SmallVector() {
    clear();
    if (data_ != inline_data()) ::operator delete (data_, std::align_val_t{alignof(T)});
  }

  template <class... A>
  T& emplace_back(A&&... a) {
    if (size_ == capacity_) grow();
    T* p = new (data_ + size_) T(std::forward<A>(a)...);
    ++size_;
    return *p;
  }
  void push_back(const T& v) { emplace_back(v); }
  void clear() {
    std::destroy(data_, data_ + size_);
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  operator std::span<T>() { return {data_, size_}; }              // NOLINT
  operator std::span<const T>() const { return {data_, size_}; }  // NOLINT

 private:
  T* inline_data() { return std::launder(reinterpret_cast<T*>(inline_)); }
  void grow() {
    const std::size_t cap = capacity_ * 2;
    T* p = static_cast<T*>(::operator new (cap * sizeof(T), std::align_val_t{alignof(T)}));
    std::uninitialized_move(data_, data_ + size_, p);
    std::destroy(data_, data_ + size_);
    if (data_ != inline_data()) ::operator delete (data_, std::align_val_t{alignof(T)});
    data_ = p;
    capacity_ = cap;
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_ = inline_data();
  std::size_t size_ = 0;
  std::size_t capacity_ = N;
};

}  // namespace lanes::internal
