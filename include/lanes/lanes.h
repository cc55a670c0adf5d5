// Lanes: JAX's transformations for C++ host applications.
//
//   #include <lanes/lanes.h>
//   lanes::Fn f = lanes::fn([](lanes::Value x, lanes::Value y) {
//     return lanes::sin(x) * y + lanes::exp(-x * x);
//   });
//   lanes::Array xs = lanes::Array::from(std::vector<double>{0.1, 0.2, 0.3});
//   lanes::Array y = f(xs, 2.0);              // eager (reference interpreter)
//   lanes::Array z = lanes::jit(f)(xs, 2.0);  // compiled to SIMD code
#pragma once

#include <lanes/array.h>
#include <lanes/autodiff.h>
#include <lanes/cancel.h>
#include <lanes/collectives.h>
#include <lanes/control_flow.h>
#include <lanes/dtype.h>
#include <lanes/error.h>
#include <lanes/fn.h>
#include <lanes/jit_options.h>
#include <lanes/ops.h>
#include <lanes/pmap.h>
#include <lanes/scalar.h>
#include <lanes/settings.h>
#include <lanes/transforms.h>
#include <lanes/value.h>
