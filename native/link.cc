// Link-layer primitives: interface facts (index, MAC, up) and sending whole
// Ethernet frames, which gratuitous ARP and unsolicited neighbour
// advertisements need because they may carry a MAC other than the link's own.
#include "link.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"

namespace lvsd {
namespace {

constexpr size_t kEthernetHeader = 14;

// One ioctl on a throwaway socket; the socket decides the namespace.
int InterfaceIoctl(const std::string& name, unsigned long request, ifreq* req) {
  std::memset(req, 0, sizeof(*req));
  std::memcpy(req->ifr_name, name.c_str(), name.size());
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int rc = ioctl(fd, request, req);
  int err = errno;
  close(fd);
  return rc < 0 ? err : 0;
}

bool ReadInterfaceName(const Napi::CallbackInfo& info, size_t at, std::string* name) {
  if (info.Length() <= at || !info[at].IsString()) return false;
  *name = info[at].As<Napi::String>().Utf8Value();
  return ValidInterfaceName(*name);
}

std::string FormatMac(const unsigned char* mac) {
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

Napi::Value InterfaceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ReadInterfaceName(info, 0, &name)) return ThrowTypeError(env, "interfaceInfo(ifname): invalid interface name");
  ErrorContext context{name, ""};
  unsigned index = 0;
  if (int err = InterfaceIndex(name, &index)) return ThrowSystemError(env, "if_nametoindex", err, context);
  ifreq req;
  if (int err = InterfaceIoctl(name, SIOCGIFHWADDR, &req)) return ThrowSystemError(env, "ioctl(SIOCGIFHWADDR)", err, context);
  std::string mac = FormatMac(reinterpret_cast<unsigned char*>(req.ifr_hwaddr.sa_data));
  bool ethernet = req.ifr_hwaddr.sa_family == ARPHRD_ETHER;
  if (int err = InterfaceIoctl(name, SIOCGIFFLAGS, &req)) return ThrowSystemError(env, "ioctl(SIOCGIFFLAGS)", err, context);
  Napi::Object result = Napi::Object::New(env);
  result.Set("index", Napi::Number::New(env, index));
  result.Set("mac", Napi::String::New(env, mac));
  result.Set("up", Napi::Boolean::New(env, (req.ifr_flags & IFF_UP) != 0));
  result.Set("ethernet", Napi::Boolean::New(env, ethernet));
  return result;
}

// Checks that the interface exists and is Ethernet; returns 0 or throws.
bool CheckEthernet(Napi::Env env, const std::string& name, unsigned* index) {
  ErrorContext context{name, ""};
  if (int err = InterfaceIndex(name, index)) {
    ThrowSystemError(env, "if_nametoindex", err, context);
    return false;
  }
  ifreq req;
  if (int err = InterfaceIoctl(name, SIOCGIFHWADDR, &req)) {
    ThrowSystemError(env, "ioctl(SIOCGIFHWADDR)", err, context);
    return false;
  }
  if (req.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    Napi::Error e = Napi::Error::New(env, "sending frames on " + name + ": not an Ethernet interface");
    e.Set("interface", Napi::String::New(env, name));
    e.ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

bool ReadFrame(const Napi::CallbackInfo& info, size_t at, const char* usage, Napi::Buffer<unsigned char>* frame) {
  Napi::Env env = info.Env();
  if (info.Length() <= at || !info[at].IsBuffer()) {
    ThrowTypeError(env, std::string(usage) + ": frame must be a Buffer");
    return false;
  }
  *frame = info[at].As<Napi::Buffer<unsigned char>>();
  if (frame->Length() < kEthernetHeader) {
    ThrowTypeError(env, std::string(usage) + ": frame shorter than an Ethernet header");
    return false;
  }
  return true;
}

// One frame out of fd on the interface; the destination MAC and the
// protocol come from the frame's own header. Returns 0 or an errno.
int SendOn(int fd, unsigned index, const Napi::Buffer<unsigned char>& frame) {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(index);
  std::memcpy(&to.sll_protocol, frame.Data() + 12, sizeof(to.sll_protocol));
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, frame.Data(), ETH_ALEN);
  ssize_t sent = sendto(fd, frame.Data(), frame.Length(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  return sent < 0 ? errno : 0;
}

// sendFrame(ifname, frame): sends a complete Ethernet frame (header
// included) without blocking; EAGAIN is reported like any other error.
Napi::Value SendFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ReadInterfaceName(info, 0, &name)) return ThrowTypeError(env, "sendFrame(ifname, frame): invalid interface name");
  Napi::Buffer<unsigned char> frame;
  if (!ReadFrame(info, 1, "sendFrame(ifname, frame)", &frame)) return env.Undefined();
  unsigned index = 0;
  if (!CheckEthernet(env, name, &index)) return env.Undefined();
  ErrorContext context{name, ""};
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowSystemError(env, "socket(AF_PACKET)", errno, context);
  int err = SendOn(fd, index, frame);
  close(fd);
  if (err) return ThrowSystemError(env, "sendto(AF_PACKET)", err, context);
  return env.Undefined();
}

// new FrameSender(ifname): a packet socket kept open on one interface, so a
// burst of announcements at takeover costs one system call each.
class FrameSender : public Napi::ObjectWrap<FrameSender> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FrameSender", {
      InstanceMethod<&FrameSender::Send>("send"),
      InstanceMethod<&FrameSender::Close>("close"),
    });
  }

  explicit FrameSender(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FrameSender>(info) {
    Napi::Env env = info.Env();
    if (!ReadInterfaceName(info, 0, &name_)) {
      ThrowTypeError(env, "new FrameSender(ifname): invalid interface name");
      return;
    }
    if (!CheckEthernet(env, name_, &index_)) return;
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) ThrowSystemError(env, "socket(AF_PACKET)", errno, ErrorContext{name_, ""});
  }

  ~FrameSender() override { Release(); }

 private:
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Buffer<unsigned char> frame;
    if (!ReadFrame(info, 0, "FrameSender.send(frame)", &frame)) return env.Undefined();
    if (fd_ < 0) return ThrowSystemError(env, "sendto(AF_PACKET)", EBADF, ErrorContext{name_, ""});
    if (int err = SendOn(fd_, index_, frame)) return ThrowSystemError(env, "sendto(AF_PACKET)", err, ErrorContext{name_, ""});
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  std::string name_;
  unsigned index_ = 0;
  int fd_ = -1;
};

}  // namespace

bool ValidInterfaceName(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  for (char c : name) {
    if (c == '/' || c == ':' || c == '\0' || c == ' ' || (c >= '\t' && c <= '\r')) return false;
  }
  return true;
}

int InterfaceIndex(const std::string& name, unsigned* index) {
  ifreq req;
  if (int err = InterfaceIoctl(name, SIOCGIFINDEX, &req)) return err;
  *index = static_cast<unsigned>(req.ifr_ifindex);
  return 0;
}

void InitLink(Napi::Env env, Napi::Object exports) {
  exports.Set("interfaceInfo", Napi::Function::New(env, InterfaceInfo, "interfaceInfo"));
  exports.Set("sendFrame", Napi::Function::New(env, SendFrame, "sendFrame"));
  exports.Set("FrameSender", FrameSender::Define(env));
}

}  // namespace lvsd
