// Named pipes, which Node's fs cannot make: the notify FIFOs state changes
// are written to.
#include "fifo.h"

#include <cerrno>
#include <string>
#include <sys/stat.h>

#include "errors.h"

namespace lvsd {
namespace {

// makeFifo(path, mode): makes a FIFO at path; returns false when something
// is there already (the caller checks what).
Napi::Value MakeFifo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) return ThrowTypeError(env, "makeFifo(path: string, mode: number)");
  std::string path = info[0].As<Napi::String>();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  if (mkfifo(path.c_str(), mode) == 0) return Napi::Boolean::New(env, true);
  if (errno == EEXIST) return Napi::Boolean::New(env, false);
  return ThrowSystemError(env, "mkfifo", errno, {"", path});
}

}  // namespace

void InitFifo(Napi::Env env, Napi::Object exports) {
  exports.Set("makeFifo", Napi::Function::New(env, MakeFifo, "makeFifo"));
}

}  // namespace lvsd
