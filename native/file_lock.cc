// An exclusive lock on an open file, which Node's fs lacks. flock() locks
// belong to the open file description: the kernel drops them when the last
// descriptor closes, so a process that dies, even by SIGKILL, leaves none.
#include "file_lock.h"

#include <cerrno>
#include <sys/file.h>

#include "errors.h"

namespace lvsd {
namespace {

// lockExclusive(fd): takes an exclusive lock on fd without waiting; returns
// false when another open file holds one (in this process or another).
Napi::Value LockExclusive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowTypeError(env, "lockExclusive(fd: number)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return Napi::Boolean::New(env, true);
  if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  return ThrowSystemError(env, "flock", errno, {});
}

}  // namespace

void InitFileLock(Napi::Env env, Napi::Object exports) {
  exports.Set("lockExclusive", Napi::Function::New(env, LockExclusive, "lockExclusive"));
}

}  // namespace lvsd
