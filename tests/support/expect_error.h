// Shared test helper: the message of the exception of type E that f throws.
#pragma once
#include <string>

namespace kpp_test {

// e.what() of the E thrown by f(), or "<no exception>" when f returns; other
// exception types propagate (and fail the test).
template <class E, class F> std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

}  // namespace kpp_test
