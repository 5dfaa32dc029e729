// Blocking netlink for one-shot commands: send a request, then read the
// replies one datagram at a time into a buffer the caller reuses. A listing
// reads hundreds of datagrams; a fresh buffer for each (as an event-driven
// socket hands them out) costs more in new memory than the reads themselves.
#include "netlink_socket.h"

#include <cerrno>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "errors.h"

namespace lvsd {
namespace {

const ErrorContext kNoContext{};

bool ReadFd(const Napi::CallbackInfo& info, int* fd) {
  if (info.Length() < 1 || !info[0].IsNumber()) return false;
  *fd = info[0].As<Napi::Number>().Int32Value();
  return *fd >= 0;
}

// netlinkOpen(protocol, timeoutMs): a socket bound to a kernel-chosen port,
// in the calling thread's network namespace. A receive waits at most
// timeoutMs, so a reply that never comes is an error, not a hang.
Napi::Value NetlinkOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    return ThrowTypeError(env, "netlinkOpen(protocol: number, timeoutMs: number)");
  }
  int protocol = info[0].As<Napi::Number>().Int32Value();
  int64_t timeout = info[1].As<Napi::Number>().Int64Value();
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ThrowSystemError(env, "socket", errno, kNoContext);
  timeval tv{};
  tv.tv_sec = timeout / 1000;
  tv.tv_usec = (timeout % 1000) * 1000;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  const char* failed = nullptr;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) failed = "setsockopt";
  else if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) failed = "bind";
  if (!failed) {
    // The kernel's own words on a refusal (extended ack); a kernel without them still answers with the errno.
    int on = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  }
  if (failed) {
    int err = errno;
    close(fd);
    return ThrowSystemError(env, failed, err, kNoContext);
  }
  return Napi::Number::New(env, fd);
}

// netlinkSend(fd, request): the whole buffer as one datagram to the kernel.
Napi::Value NetlinkSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ReadFd(info, &fd) || info.Length() < 2 || !info[1].IsBuffer()) {
    return ThrowTypeError(env, "netlinkSend(fd: number, request: Buffer)");
  }
  Napi::Buffer<uint8_t> request = info[1].As<Napi::Buffer<uint8_t>>();
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(fd, request.Data(), request.Length(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return ThrowSystemError(env, "sendto", errno, kNoContext);
  return env.Undefined();
}

// netlinkReceive(fd, into): reads the next datagram from the kernel into
// `into` and returns its full size, which exceeds into.length when its tail
// was cut off. Datagrams from other sockets are skipped.
Napi::Value NetlinkReceive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ReadFd(info, &fd) || info.Length() < 2 || !info[1].IsBuffer()) {
    return ThrowTypeError(env, "netlinkReceive(fd: number, into: Buffer)");
  }
  Napi::Buffer<uint8_t> into = info[1].As<Napi::Buffer<uint8_t>>();
  for (;;) {
    sockaddr_nl from{};
    socklen_t fromLen = sizeof(from);
    ssize_t got = recvfrom(fd, into.Data(), into.Length(), MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromLen);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ThrowSystemError(env, "recvfrom", errno, kNoContext);
    }
    if (from.nl_pid == 0) return Napi::Number::New(env, static_cast<double>(got));
  }
}

}  // namespace

void InitNetlinkSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("netlinkOpen", Napi::Function::New(env, NetlinkOpen, "netlinkOpen"));
  exports.Set("netlinkSend", Napi::Function::New(env, NetlinkSend, "netlinkSend"));
  exports.Set("netlinkReceive", Napi::Function::New(env, NetlinkReceive, "netlinkReceive"));
}

}  // namespace lvsd
