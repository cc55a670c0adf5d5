// The cached-dispatch path of jitted calls (Fn::call -> JitFn::call_args ->
// Executable::run): it allocates nothing but its outputs, finds the right executable by
// heterogeneous lookup for every signature, and handles more arguments and buffers than
// its inline storage. Allocations are counted by replacing the global operator new, which
// is why these tests have their own binary: a replacement would apply to the whole
// lanes_tests binary and hide new/delete mismatches from AddressSanitizer there.
#include <gtest/gtest.h>
#include <lanes/lanes.h>

#include <cmath>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

// The replacement operator new below allocates with malloc, so free is the matching
// deallocation; GCC cannot see that through an inlined replacement and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// --- counting allocations ----------------------------------------------------------
// Replacements of the global allocation functions for the whole test binary: they only
// count while t_counting is set on the calling thread, and otherwise behave as the
// default ones (malloc / aligned_alloc / free).
namespace {
thread_local bool t_counting = false;
thread_local long t_allocations = 0;

void* counted_alloc(std::size_t n, std::size_t align) {
  if (t_counting) ++t_allocations;
  if (n == 0) n = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(n)
                : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n, 0); }
void* operator new[](std::size_t n) { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace lanes {
namespace {

// Heap allocations (operator new) made by f on this thread.
template <class F>
long allocations_of(F&& f) {
  t_allocations = 0;
  t_counting = true;
  f();
  t_counting = false;
  return t_allocations;
}

// What the outputs alone cost: n fresh Arrays of `shape` in an Outputs.
long output_allocations(int n, const Shape& shape) {
  return allocations_of([&] {
    std::vector<Array> v;
    v.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) v.push_back(Array::empty(DType::F64, shape));
    Outputs o(std::move(v));
  });
}

TEST(Dispatch, CachedCallOnScalarsAllocatesOnlyItsOutput) {
  Fn add = jit(fn([](Value a, Value b) { return a + b; }));
  Array s1 = Array::scalar(1.0), s2 = Array::scalar(2.5);
  ASSERT_EQ(static_cast<Array>(add(s1, s2)).item<double>(), 3.5);  // compiles
  Array r;
  const long n = allocations_of([&] { r = add(s1, s2); });
  EXPECT_EQ(r.item<double>(), 3.5);
  EXPECT_LE(n, output_allocations(1, {})) << "a cached call allocated beyond its output";
}

TEST(Dispatch, CachedCallOnArraysWithTwoOutputsAllocatesOnlyItsOutputs) {
  Fn f = jit(
      fn([](Value x, Value y, Value z) { return std::make_tuple(lanes::sin(x) * y + z, x - z); }));
  std::vector<double> xv(37), yv(37), zv(37);
  for (int i = 0; i < 37; ++i) {
    xv[i] = 0.1 * i;
    yv[i] = 2.0 - 0.05 * i;
    zv[i] = -0.3 * i;
  }
  Array x = Array::from(xv), y = Array::from(yv), z = Array::from(zv);
  (void)f(x, y, z);
  Outputs out;
  const long n = allocations_of([&] { out = f(x, y, z); });
  EXPECT_LE(n, output_allocations(2, {37}));
  ASSERT_EQ(out.size(), 2u);
  for (int i = 0; i < 37; ++i) {
    EXPECT_NEAR(out[0].data<double>()[i], std::sin(xv[i]) * yv[i] + zv[i], 1e-14);
    EXPECT_EQ(out[1].data<double>()[i], xv[i] - zv[i]);
  }
}

// The heterogeneous lookup keys on dtype, weak type and shape exactly as the Signature
// does: each call below is a different signature with its own result.
TEST(Dispatch, EverySignatureFindsItsOwnExecutable) {
  Fn f = jit(fn([](Value x) { return x * 2 + 1; }));
  for (int round = 0; round < 2; ++round) {  // round 1: all cached
    Array a3 = f(Array::from(std::vector<double>{1, 2, 3}));
    Array a4 = f(Array::from(std::vector<double>{1, 2, 3, 4}));
    Array a22 = f(Array::from(std::vector<double>{1, 2, 3, 4}, Shape{2, 2}));
    Array weak = f(2.0);                   // weak f64 scalar
    Array strong = f(Array::scalar(2.0));  // f64 scalar
    Array f32 = f(Array::scalar(2.0f));
    Array i64 = f(Array::scalar<std::int64_t>(5));
    EXPECT_EQ(a3.shape(), (Shape{3}));
    EXPECT_EQ(a3.data<double>()[2], 7.0);
    EXPECT_EQ(a4.shape(), (Shape{4}));
    EXPECT_EQ(a4.data<double>()[3], 9.0);
    EXPECT_EQ(a22.shape(), (Shape{2, 2}));
    EXPECT_EQ(a22.data<double>()[3], 9.0);
    EXPECT_EQ(weak.item<double>(), 5.0);
    EXPECT_EQ(strong.item<double>(), 5.0);
    EXPECT_EQ(f32.dtype(), DType::F32);
    EXPECT_EQ(f32.item<float>(), 5.0f);
    EXPECT_EQ(i64.dtype(), DType::I64);
    EXPECT_EQ(i64.item<std::int64_t>(), 11);
  }
  // A wrong argument count is still an ArgumentError naming the function.
  try {
    (void)f(1.0, 2.0);
    FAIL() << "expected ArgumentError";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("expects 1 argument"), std::string::npos) << e.what();
  }
}

// More arguments (14) than Fn::call keeps inline (8) and more buffers (15) than
// Executable::run keeps inline (12): the storage spills to the heap and stays correct.
TEST(Dispatch, ManyArgumentsSpillPastInlineStorage) {
  Fn sum = jit(fn_variadic([](const std::vector<Value>& v) {
    Value acc = v[0];
    for (std::size_t i = 1; i < v.size(); ++i) acc = acc + v[i] * static_cast<double>(i + 1);
    return std::vector<Value>{acc};
  }));
  std::vector<Arg> args;
  double want = 0;
  for (int i = 0; i < 14; ++i) {
    args.emplace_back(Array::from(std::vector<double>{0.5 * i, -1.0 * i}));
    want += (i + 1) * 0.5 * i;
  }
  for (int round = 0; round < 2; ++round) {
    Array r = sum.call(args);
    EXPECT_DOUBLE_EQ(r.data<double>()[0], want);
    EXPECT_DOUBLE_EQ(r.data<double>()[1], -2 * want);
  }
}

// A call large enough to be split over the thread pool allocates no more on the calling
// thread than the same call kept on it: taking the global pool (a shared_ptr copy, so
// that lanes::set_num_threads can replace it) and the split's task allocate nothing,
// before and after a resize.
TEST(Dispatch, CachedParallelCallAllocatesNoMoreThanOnTheCaller) {
  const int n = 1 << 17;  // over the threshold where kernels are split
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = 1e-4 * i;
  Array x = Array::from(v);
  Fn body = fn([](Value a) { return lanes::sin(a) * 2.0 + a; });
  Fn par = jit(body), seq = jit(body, {.parallel = false});
  (void)par(x);
  (void)seq(x);
  Array r;
  const long on_caller = allocations_of([&] { r = seq(x); });
  r = Array();  // releasing the previous result is not the call's cost
  const long split = allocations_of([&] { r = par(x); });
  EXPECT_NEAR(r.data<double>()[n - 1], std::sin(v[n - 1]) * 2.0 + v[n - 1], 1e-12);
  set_num_threads(num_threads() == 3 ? 2 : 3);
  (void)par(x);  // starts the new pool's threads
  r = Array();
  const long after_resize = allocations_of([&] { r = par(x); });
  EXPECT_LE(split, on_caller) << "splitting over the pool allocated";
  EXPECT_LE(after_resize, on_caller) << "splitting over the resized pool allocated";
  EXPECT_NEAR(r.data<double>()[n - 1], std::sin(v[n - 1]) * 2.0 + v[n - 1], 1e-12);
}
}  // namespace
}  // namespace lanes
