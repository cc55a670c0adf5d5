// The primitive families: each file under engine/primitives/ registers one family.
#pragma once

namespace lanes::internal {

void register_elementwise_unary();   // neg abs sign sqrt ... round not
void register_elementwise_binary();  // add sub mul div rem pow atan2 min max and or xor
void register_compare_select();      // lt le gt ge eq ne select convert
void register_broadcast();           // broadcast_in_dim
void register_shape_ops();           // reshape transpose slice concatenate iota
void register_reduce();              // reduce_sum reduce_prod reduce_max reduce_min argmax argmin
void register_dot_general();         // dot_general
void register_control_flow();        // cond while_loop fori_loop scan
void register_constants();           // constant
void register_autodiff_prims();      // stop_gradient custom_jvp custom_vjp

inline void register_all_families() {
  register_elementwise_unary();
  register_elementwise_binary();
  register_compare_select();
  register_broadcast();
  register_shape_ops();
  register_reduce();
  register_dot_general();
  register_control_flow();
  register_constants();
  register_autodiff_prims();
}

}  // namespace lanes::internal
