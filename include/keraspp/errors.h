// The one error model: exceptions named as Python / TensorFlow name them.
// Python-level errors (ValueError, TypeError, ...) are used by np:: and keras::;
// tf::errors::* mirror TensorFlow's status codes. Messages use the spec's wording.
#pragma once
#include <stdexcept>
#include <string>

namespace keraspp {

// Python's ValueError: bad value of a right type (numpy, Keras).
struct ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// Python's TypeError: an argument of the wrong kind (unknown keyword, wrong dtype).
struct TypeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// Python's IOError / OSError: a file is missing or unreadable.
struct IOError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Python's LookupError: e.g. no gradient registered for an op type.
struct LookupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace keraspp

namespace np {
using keraspp::IOError;
using keraspp::TypeError;
using keraspp::ValueError;
}  // namespace np

namespace tf::errors {

// Base of TensorFlow's errors (tf.errors.OpError); code() is TF's status name.
class OpError : public std::runtime_error {
 public:
  OpError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

#define KERASPP_TF_ERROR(Name, Code) \
  class Name : public OpError {      \
   public:                           \
    explicit Name(const std::string& m) : OpError(Code, m) {} \
  };
KERASPP_TF_ERROR(InvalidArgumentError, "INVALID_ARGUMENT")
KERASPP_TF_ERROR(NotFoundError, "NOT_FOUND")
KERASPP_TF_ERROR(AlreadyExistsError, "ALREADY_EXISTS")
KERASPP_TF_ERROR(FailedPreconditionError, "FAILED_PRECONDITION")
KERASPP_TF_ERROR(OutOfRangeError, "OUT_OF_RANGE")
KERASPP_TF_ERROR(UnimplementedError, "UNIMPLEMENTED")
KERASPP_TF_ERROR(InternalError, "INTERNAL")
KERASPP_TF_ERROR(ResourceExhaustedError, "RESOURCE_EXHAUSTED")
KERASPP_TF_ERROR(DataLossError, "DATA_LOSS")
#undef KERASPP_TF_ERROR

}  // namespace tf::errors
