#pragma once
#include <napi.h>

#include <string>

namespace lvsd {

// What a failing call was working on, so the operator can tell which link
// and which address an error is about.
struct ErrorContext {
  std::string interface;
  std::string address;
};

// An Error shaped like Node's system errors: message, code ("ENODEV"),
// errno, syscall, plus the interface and address involved.
Napi::Error SystemError(Napi::Env env, const std::string& syscall, int err, const ErrorContext& context);

Napi::Value ThrowSystemError(Napi::Env env, const std::string& syscall, int err, const ErrorContext& context);
Napi::Value ThrowTypeError(Napi::Env env, const std::string& message);

}  // namespace lvsd
