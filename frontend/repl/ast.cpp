// The syntax tree's destructor (see ast.h): a worklist instead of the recursion of the
// members' destructors, whose depth would be the length of an operator chain.
#include "frontend/repl/ast.h"

#include <utility>

namespace lanes::repl {

namespace {
// Moves the child pointers out of `e` (a node about to be destroyed) into `work`.
void take_children(Expr& e, std::vector<ExprPtr>& work) {
  auto take = [&](ExprPtr& p) {
    if (p) work.push_back(std::move(p));
  };
  for (ExprPtr& c : e.items) take(c);
  for (ExprPtr& c : e.kw_values) take(c);
  for (Subscript& s : e.subscripts) {
    take(s.index);
    take(s.start);
    take(s.stop);
    take(s.step);
  }
}
}  // namespace

Expr::~Expr() {
  std::vector<ExprPtr> work;
  take_children(*this, work);
  while (!work.empty()) {
    ExprPtr c = std::move(work.back());
    work.pop_back();
    // The last owner of a child empties it before it dies, so its own destructor finds
    // nothing to free. Nodes are made non-const (make_shared<Expr>), so the cast is sound.
    if (c.use_count() == 1) take_children(const_cast<Expr&>(*c), work);
  }
}

}  // namespace lanes::repl
