// lanes-demo: the README's first command. Traces, interprets and jit-compiles a
// per-element function and prints what each path computes.
#include <lanes/lanes.h>

#include <iostream>

int main() {
  try {
    lanes::Fn f = lanes::fn([](lanes::Value x, lanes::Value y) {
      return lanes::sin(x) * y + lanes::exp(-x * x);
    });
    lanes::Array xs = lanes::Array::from(std::vector<double>{0.1, 0.2, 0.3});
    std::cout << "f(x, y) = sin(x) * y + exp(-x * x)\n";
    std::cout << "graph:\n" << f.ir({xs, 2.0});
    lanes::Array y = f(xs, 2.0);
    std::cout << "eager f(xs, 2.0)     = " << y << "\n";
    lanes::Array z = lanes::jit(f)(xs, 2.0);
    std::cout << "jit(f)(xs, 2.0)      = " << z << "\n";
  } catch (const lanes::Error& e) {
    std::cerr << "lanes-demo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
