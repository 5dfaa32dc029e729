// Network namespace switching for the calling thread. Sockets keep the
// namespace they were created in, so the main thread can enter a namespace,
// open a netlink socket and return, without moving the whole process.
#include "netns.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <cstdint>
#include <sched.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

// Linux 5.14; older C libraries do not define it.
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace lvsd {
namespace {

Napi::Value ThrowErrno(Napi::Env env, const char* syscall, const std::string& what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " " + what + ": " + std::strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

// enterNetns(path): switches this thread to the namespace at path (e.g.
// /run/netns/NAME or /proc/self/ns/net) and returns a descriptor of the
// namespace it left, for leaveNetns().
Napi::Value EnterNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "enterNetns(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>();
  int previous = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (previous < 0) return ThrowErrno(env, "open", "/proc/thread-self/ns/net", errno);
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    close(previous);
    return ThrowErrno(env, "open", path, err);
  }
  int rc = setns(target, CLONE_NEWNET);
  int err = errno;
  close(target);
  if (rc != 0) {
    close(previous);
    return ThrowErrno(env, "setns", path, err);
  }
  return Napi::Number::New(env, previous);
}

// leaveNetns(fd): returns to the namespace saved by enterNetns and closes fd.
Napi::Value LeaveNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "leaveNetns(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc != 0) return ThrowErrno(env, "setns", "(previous namespace)", err);
  return env.Undefined();
}

// netnsCookie(): the cookie of this thread's network namespace, as a
// decimal string; undefined on a kernel older than 5.14. Unlike the
// namespace's inode number, which a namespace created later may take again,
// a cookie is never given twice in one boot.
Napi::Value NetnsCookie(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket", "AF_UNIX", errno);
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  int rc = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
  int err = errno;
  close(fd);
  if (rc != 0) {
    if (err == ENOPROTOOPT) return env.Undefined();
    return ThrowErrno(env, "getsockopt", "SO_NETNS_COOKIE", err);
  }
  return Napi::String::New(env, std::to_string(cookie));
}

}  // namespace

void InitNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("enterNetns", Napi::Function::New(env, EnterNetns, "enterNetns"));
  exports.Set("leaveNetns", Napi::Function::New(env, LeaveNetns, "leaveNetns"));
  exports.Set("netnsCookie", Napi::Function::New(env, NetnsCookie, "netnsCookie"));
}

}  // namespace lvsd
