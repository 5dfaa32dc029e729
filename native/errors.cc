#include "errors.h"

#include <cstring>
#include <uv.h>

namespace lvsd {

Napi::Error SystemError(Napi::Env env, const std::string& syscall, int err, const ErrorContext& context) {
  // libuv error codes on Unix are negated errno values, which gives us the
  // same symbolic names Node uses.
  const char* code = uv_err_name(-err);
  std::string message = syscall;
  if (!context.address.empty()) message += " " + context.address;
  if (!context.interface.empty()) message += " on " + context.interface;
  message += std::string(": ") + std::strerror(err) + " (" + code + ")";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!context.interface.empty()) e.Set("interface", Napi::String::New(env, context.interface));
  if (!context.address.empty()) e.Set("address", Napi::String::New(env, context.address));
  return e;
}

Napi::Value ThrowSystemError(Napi::Env env, const std::string& syscall, int err, const ErrorContext& context) {
  SystemError(env, syscall, err, context).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace lvsd
