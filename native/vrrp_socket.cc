// Raw IP protocol 112 (VRRP) sockets for IPv4 and IPv6, bound to one
// interface and polled by the Node event loop. Checksums are left entirely
// to the VRRP engine: the kernel neither computes nor verifies them here.
//
// A link listener is the receive half only, over a packet socket: it reads
// the VRRP datagrams (IPv4 or IPv6) an interface receives from its own MAC
// address, without joining the group there. A VMAC needs one: a peer advertising from
// its VMAC sends from our VMAC's MAC, and the kernel hands such frames to our
// macvlan alone, never to its base interface.
#include "vrrp_socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <memory>
#include <net/if.h>
#include <netinet/in.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include <vector>

#include "errors.h"
#include "link.h"
#include "read_poll.h"

namespace lvsd {
namespace {

constexpr int kVrrpProtocol = 112;
constexpr int kVrrpTtl = 255;  // RFC 5798: receivers drop anything else
constexpr char kGroup4[] = "224.0.0.18";
constexpr char kGroup6[] = "ff02::12";
// Bigger than any IP datagram, so nothing is ever truncated silently.
constexpr size_t kReceiveBuffer = 65536;
// Packets read per readiness event before yielding back to the loop.
constexpr int kReadsPerWakeup = 32;

double Microseconds(const timespec& t) { return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3; }

// Now on the clock of Node's process.hrtime() (monotonic), and on the wall
// clock read between two monotonic readings: in a virtualised kernel a clock
// read can be a system call, and the pair must name one instant.
struct ClockPair {
  double monotonicUs;
  double wallUs;
};

ClockPair Now() {
  timespec before, wall, after;
  clock_gettime(CLOCK_MONOTONIC, &before);
  clock_gettime(CLOCK_REALTIME, &wall);
  clock_gettime(CLOCK_MONOTONIC, &after);
  return {(Microseconds(before) + Microseconds(after)) / 2, Microseconds(wall)};
}

// Longer than any packet waits in a socket queue; an age beyond it (or a
// negative one) means the wall clock was stepped, and the packet counts as new.
constexpr double kMaxPacketAgeUs = 1e6;

// The kernel stamps packets on the wall clock; the engine's timers run on the
// monotonic one. Only the packet's age carries over.
double KernelStampToMonotonic(const timespec& stamp, const ClockPair& now) {
  double ageUs = now.wallUs - Microseconds(stamp);
  if (ageUs < 0 || ageUs > kMaxPacketAgeUs) ageUs = 0;
  return now.monotonicUs - ageUs;
}

union SocketAddress {
  sockaddr any;
  sockaddr_in v4;
  sockaddr_in6 v6;
  sockaddr_ll link;
};

// Keeps IP protocol 112 that the interface received (not what it sent)
// from its own MAC address as source: the frames a macvlan alone is given.
// Offsets count from the IP header (a SOCK_DGRAM packet socket's data starts
// there): the protocol is byte 9 of an IPv4 header, the next header byte 6
// of an IPv6 one (VRRP carries no extension headers); SKF_LL_OFF reaches
// back into the Ethernet header.
std::vector<sock_filter> LinkFilter(int family, const unsigned char mac[6]) {
  const __u32 high = (__u32{mac[0]} << 24) | (__u32{mac[1]} << 16) | (__u32{mac[2]} << 8) | mac[3];
  const __u32 low = (__u32{mac[4]} << 8) | mac[5];
  const __u32 protocolOffset = family == AF_INET ? 9 : 6;
  return {
      {BPF_LD | BPF_B | BPF_ABS, 0, 0, protocolOffset},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 7, kVrrpProtocol},
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<__u32>(SKF_AD_OFF + SKF_AD_PKTTYPE)},
      {BPF_JMP | BPF_JEQ | BPF_K, 5, 0, PACKET_OUTGOING},
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<__u32>(SKF_LL_OFF + 6)},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 3, high},
      {BPF_LD | BPF_H | BPF_ABS, 0, 0, static_cast<__u32>(SKF_LL_OFF + 10)},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, low},
      {BPF_RET | BPF_K, 0, 0, 0x40000},
      {BPF_RET | BPF_K, 0, 0, 0},
  };
}

std::string AddressText(int family, const void* address) {
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop(family, address, text, sizeof(text));
  return text;
}

class VrrpSocket : public Napi::ObjectWrap<VrrpSocket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VrrpSocket", {
      InstanceMethod<&VrrpSocket::Send>("send"),
      InstanceMethod<&VrrpSocket::Close>("close"),
    });
  }

  // new VrrpSocket(family, ifname, sourceAddress | undefined, multicast, onPacket, onError, linkListener?, foreignSource?)
  explicit VrrpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VrrpSocket>(info) {
    Napi::Env env = info.Env();
    if (!ReadArguments(info)) return;
    context_.interface = ifname_;
    if (int err = InterfaceIndex(ifname_, &ifindex_)) {
      ThrowSystemError(env, "if_nametoindex", err, context_);
      return;
    }
    std::string failedCall;
    ErrorContext failedContext = context_;
    if (int err = Open(&failedCall, &failedContext)) {
      Release();
      ThrowSystemError(env, failedCall, err, failedContext);
      return;
    }
    onPacket_ = Napi::Persistent(info[4].As<Napi::Function>());
    onError_ = Napi::Persistent(info[5].As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "VrrpSocket");
    napi_add_env_cleanup_hook(env, OnEnvironmentCleanup, this);
    cleanupHookAdded_ = true;
  }

  ~VrrpSocket() override { Release(); }

 private:
  bool ReadArguments(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const char* usage = "new VrrpSocket(family: 4 | 6, ifname: string, sourceAddress: string | undefined, multicast: boolean, onPacket: Function, onError: Function, linkListener?: boolean, foreignSource?: boolean)";
    auto optionalBoolean = [&](size_t i) { return info.Length() <= i || info[i].IsBoolean() || info[i].IsUndefined(); };
    if (info.Length() < 6 || !info[0].IsNumber() || !info[1].IsString() ||
        !(info[2].IsString() || info[2].IsUndefined()) || !info[3].IsBoolean() ||
        !info[4].IsFunction() || !info[5].IsFunction() || !optionalBoolean(6) || !optionalBoolean(7)) {
      ThrowTypeError(env, usage);
      return false;
    }
    int family = info[0].As<Napi::Number>().Int32Value();
    if (family != 4 && family != 6) {
      ThrowTypeError(env, "VrrpSocket: family must be 4 or 6, got " + std::to_string(family));
      return false;
    }
    family_ = family == 4 ? AF_INET : AF_INET6;
    ifname_ = info[1].As<Napi::String>().Utf8Value();
    if (!ValidInterfaceName(ifname_)) {
      ThrowTypeError(env, "VrrpSocket: invalid interface name \"" + ifname_ + "\"");
      return false;
    }
    multicast_ = info[3].As<Napi::Boolean>().Value();
    link_ = info.Length() >= 7 && info[6].IsBoolean() && info[6].As<Napi::Boolean>().Value();
    if (link_ && (multicast_ || !info[2].IsUndefined())) {
      ThrowTypeError(env, "VrrpSocket: a link listener has no group and no source address");
      return false;
    }
    foreignSource_ = info.Length() >= 8 && info[7].IsBoolean() && info[7].As<Napi::Boolean>().Value();
    if (foreignSource_ && (link_ || multicast_ || info[2].IsUndefined())) {
      ThrowTypeError(env, "VrrpSocket: a foreign source is a source address, for a socket that joins no group");
      return false;
    }
    if (info[2].IsString()) {
      source_ = info[2].As<Napi::String>().Utf8Value();
      void* target = family_ == AF_INET ? static_cast<void*>(&source4_) : static_cast<void*>(&source6_);
      if (inet_pton(family_, source_.c_str(), target) != 1) {
        ThrowTypeError(env, "VrrpSocket: source address \"" + source_ + "\" is not an IPv" + std::to_string(family) + " address");
        return false;
      }
    }
    return true;
  }

  // Creates and configures the socket and starts polling. Returns 0, or an
  // errno with the failing call and what it was about; the caller releases.
  int Open(std::string* failedCall, ErrorContext* failedContext) {
    auto fail = [&](const char* call, const std::string& address) {
      int err = errno;
      *failedCall = call;
      failedContext->address = address;
      return err;
    };
    if (link_) return OpenLinkListener(fail);
    fd_ = socket(family_, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kVrrpProtocol);
    if (fd_ < 0) return fail(family_ == AF_INET ? "socket(AF_INET, SOCK_RAW, 112)" : "socket(AF_INET6, SOCK_RAW, 112)", "");
    if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, ifname_.c_str(), ifname_.size()) < 0) return fail("setsockopt(SO_BINDTODEVICE)", "");
    // Timers run from when the kernel took the packet, not from when the
    // event loop got round to it.
    int stamp = 1;
    if (setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &stamp, sizeof(stamp)) < 0) return fail("setsockopt(SO_TIMESTAMPNS)", "");
    int err = family_ == AF_INET ? ConfigureIpv4(fail) : ConfigureIpv6(fail);
    if (err) return err;
    // A VMAC sends with its base interface's address, which (an IPv6
    // link-local one above all) is not on the VMAC itself.
    int on = 1;
    if (foreignSource_ && family_ == AF_INET && setsockopt(fd_, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0) return fail("setsockopt(IP_FREEBIND)", "");
    if (foreignSource_ && family_ == AF_INET6 && setsockopt(fd_, IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof(on)) < 0) return fail("setsockopt(IPV6_FREEBIND)", "");
    if (!source_.empty()) {
      SocketAddress address = SourceSockaddr();
      // A bound raw IPv4 socket only sees datagrams addressed to that exact
      // address, which would hide the multicast group: in multicast mode the
      // source goes on each datagram (IP_PKTINFO) and is only checked here.
      if (multicast_ ? ProbeSourceAddress() < 0 : bind(fd_, &address.any, SockaddrLength()) < 0) {
        return fail("bind", source_);
      }
    }
    const char* pollCall = nullptr;
    if (int err = StartReadPolling(Env(), fd_, this, OnReadable, &poll_, &pollCall)) {
      errno = err;
      return fail(pollCall, "");
    }
    return 0;
  }

  // Opened with protocol 0, which receives nothing, until the filter is in
  // place: the bind below is what starts the flow, filtered from the first packet.
  template <typename Fail>
  int OpenLinkListener(Fail& fail) {
    fd_ = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail("socket(AF_PACKET, SOCK_DGRAM)", "");
    ifreq request{};
    std::memcpy(request.ifr_name, ifname_.c_str(), ifname_.size());
    if (ioctl(fd_, SIOCGIFHWADDR, &request) < 0) return fail("ioctl(SIOCGIFHWADDR)", "");
    std::vector<sock_filter> filter = LinkFilter(family_, reinterpret_cast<const unsigned char*>(request.ifr_hwaddr.sa_data));
    sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) < 0) return fail("setsockopt(SO_ATTACH_FILTER)", "");
    int stamp = 1;
    if (setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &stamp, sizeof(stamp)) < 0) return fail("setsockopt(SO_TIMESTAMPNS)", "");
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(family_ == AF_INET ? ETH_P_IP : ETH_P_IPV6);
    address.sll_ifindex = static_cast<int>(ifindex_);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) return fail("bind(AF_PACKET)", "");
    const char* pollCall = nullptr;
    if (int err = StartReadPolling(Env(), fd_, this, OnReadable, &poll_, &pollCall)) {
      errno = err;
      return fail(pollCall, "");
    }
    return 0;
  }

  template <typename Fail>
  int ConfigureIpv4(Fail& fail) {
    int on = 1, off = 0, ttl = kVrrpTtl;
    if (setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0) return fail("setsockopt(IP_PKTINFO)", "");
    if (setsockopt(fd_, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0) return fail("setsockopt(IP_TTL)", "");
    if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0) return fail("setsockopt(IP_MULTICAST_TTL)", "");
    if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0) return fail("setsockopt(IP_MULTICAST_LOOP)", "");
    ip_mreqn outgoing{};
    outgoing.imr_ifindex = static_cast<int>(ifindex_);
    if (!source_.empty()) outgoing.imr_address = source4_;
    if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &outgoing, sizeof(outgoing)) < 0) return fail("setsockopt(IP_MULTICAST_IF)", source_);
    if (multicast_) {
      ip_mreqn group = Group4();
      if (setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) return fail("setsockopt(IP_ADD_MEMBERSHIP)", kGroup4);
    }
    return 0;
  }

  template <typename Fail>
  int ConfigureIpv6(Fail& fail) {
    int on = 1, off = 0, hops = kVrrpTtl, ifindex = static_cast<int>(ifindex_);
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0) return fail("setsockopt(IPV6_RECVPKTINFO)", "");
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0) return fail("setsockopt(IPV6_RECVHOPLIMIT)", "");
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0) return fail("setsockopt(IPV6_UNICAST_HOPS)", "");
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0) return fail("setsockopt(IPV6_MULTICAST_HOPS)", "");
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) < 0) return fail("setsockopt(IPV6_MULTICAST_LOOP)", "");
    if (setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0) return fail("setsockopt(IPV6_MULTICAST_IF)", "");
    if (multicast_) {
      ipv6_mreq group = Group6();
      if (setsockopt(fd_, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) return fail("setsockopt(IPV6_ADD_MEMBERSHIP)", kGroup6);
    }
    return 0;
  }

  ip_mreqn Group4() const {
    ip_mreqn group{};
    inet_pton(AF_INET, kGroup4, &group.imr_multiaddr);
    group.imr_ifindex = static_cast<int>(ifindex_);
    return group;
  }

  ipv6_mreq Group6() const {
    ipv6_mreq group{};
    inet_pton(AF_INET6, kGroup6, &group.ipv6mr_multiaddr);
    group.ipv6mr_interface = ifindex_;
    return group;
  }

  SocketAddress SourceSockaddr() const {
    SocketAddress address{};
    if (family_ == AF_INET) {
      address.v4.sin_family = AF_INET;
      address.v4.sin_addr = source4_;
    } else {
      address.v6.sin6_family = AF_INET6;
      address.v6.sin6_addr = source6_;
      address.v6.sin6_scope_id = ifindex_;
    }
    return address;
  }

  socklen_t SockaddrLength() const { return family_ == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6); }

  // Checks that the source address is one of ours (EADDRNOTAVAIL if not)
  // without binding the VRRP socket itself.
  int ProbeSourceAddress() const {
    int probe = socket(family_, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return -1;
    SocketAddress address = SourceSockaddr();
    int rc = bind(probe, &address.any, SockaddrLength());
    int err = errno;
    close(probe);
    errno = err;
    return rc;
  }

  // send(payload: Buffer, destination: string): one datagram, never blocking:
  // a full send buffer fails with ENOBUFS (raw sockets do not wait).
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsString()) {
      return ThrowTypeError(env, "VrrpSocket.send(payload: Buffer, destination: string)");
    }
    Napi::Buffer<unsigned char> payload = info[0].As<Napi::Buffer<unsigned char>>();
    std::string destination = info[1].As<Napi::String>().Utf8Value();
    if (link_) return ThrowTypeError(env, "VrrpSocket.send: a link listener on " + ifname_ + " only receives");
    if (fd_ < 0) return ThrowSystemError(env, "sendmsg", EBADF, ErrorContext{ifname_, destination});
    SocketAddress to{};
    if (family_ == AF_INET) {
      to.v4.sin_family = AF_INET;
      if (inet_pton(AF_INET, destination.c_str(), &to.v4.sin_addr) != 1) {
        return ThrowTypeError(env, "VrrpSocket.send: destination \"" + destination + "\" is not an IPv4 address");
      }
    } else {
      to.v6.sin6_family = AF_INET6;
      if (inet_pton(AF_INET6, destination.c_str(), &to.v6.sin6_addr) != 1) {
        return ThrowTypeError(env, "VrrpSocket.send: destination \"" + destination + "\" is not an IPv6 address");
      }
      // Link-local peers and ff02:: groups are only meaningful on our link.
      to.v6.sin6_scope_id = ifindex_;
    }
    iovec part{payload.Data(), payload.Length()};
    msghdr message{};
    message.msg_name = &to;
    message.msg_namelen = SockaddrLength();
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
    if (!source_.empty()) AddSourceControl(&message, control, sizeof(control));
    if (sendmsg(fd_, &message, MSG_DONTWAIT) < 0) {
      return ThrowSystemError(env, "sendmsg", errno, ErrorContext{ifname_, destination});
    }
    return env.Undefined();
  }

  // Pins the datagram's source address and outgoing interface.
  void AddSourceControl(msghdr* message, unsigned char* control, size_t size) const {
    message->msg_control = control;
    message->msg_controllen = size;
    cmsghdr* header = CMSG_FIRSTHDR(message);
    if (family_ == AF_INET) {
      in_pktinfo source{};
      source.ipi_ifindex = static_cast<int>(ifindex_);
      source.ipi_spec_dst = source4_;
      header->cmsg_level = IPPROTO_IP;
      header->cmsg_type = IP_PKTINFO;
      header->cmsg_len = CMSG_LEN(sizeof(source));
      std::memcpy(CMSG_DATA(header), &source, sizeof(source));
      message->msg_controllen = CMSG_SPACE(sizeof(source));
    } else {
      in6_pktinfo source{};
      source.ipi6_ifindex = ifindex_;
      source.ipi6_addr = source6_;
      header->cmsg_level = IPPROTO_IPV6;
      header->cmsg_type = IPV6_PKTINFO;
      header->cmsg_len = CMSG_LEN(sizeof(source));
      std::memcpy(CMSG_DATA(header), &source, sizeof(source));
      message->msg_controllen = CMSG_SPACE(sizeof(source));
    }
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  // Idempotent: stops polling, leaves the group, closes the descriptor and
  // drops the callbacks so a closed socket can be collected.
  void Release() {
    if (cleanupHookAdded_) {
      napi_remove_env_cleanup_hook(Env(), OnEnvironmentCleanup, this);
      cleanupHookAdded_ = false;
    }
    StopReadPolling(&poll_);
    if (fd_ >= 0) {
      // Closing would leave the group too; leaving first is explicit and
      // harmless when the link is already gone.
      if (multicast_ && family_ == AF_INET) {
        ip_mreqn group = Group4();
        setsockopt(fd_, IPPROTO_IP, IP_DROP_MEMBERSHIP, &group, sizeof(group));
      } else if (multicast_) {
        ipv6_mreq group = Group6();
        setsockopt(fd_, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &group, sizeof(group));
      }
      close(fd_);
      fd_ = -1;
    }
    onPacket_.Reset();
    onError_.Reset();
  }

  static void OnEnvironmentCleanup(void* self) {
    auto* socket = static_cast<VrrpSocket*>(self);
    socket->cleanupHookAdded_ = false;  // being run: nothing to remove
    socket->Release();
  }

  static void OnReadable(uv_poll_t* handle, int status, int) {
    auto* self = static_cast<VrrpSocket*>(handle->data);
    if (self == nullptr) return;
    Napi::HandleScope scope(self->Env());
    if (status < 0) {
      // The descriptor is unusable: stop before libuv reports it again.
      uv_poll_stop(handle);
      self->ReportError("poll", -status);
      return;
    }
    self->Drain();
  }

  void Drain() {
    std::vector<unsigned char>& buffer = ReceiveBuffer();
    for (int read = 0; read < kReadsPerWakeup && fd_ >= 0; ++read) {
      SocketAddress from{};
      iovec part{buffer.data(), buffer.size()};
      alignas(cmsghdr) unsigned char control[256];
      msghdr message{};
      message.msg_name = &from;
      message.msg_namelen = sizeof(from);
      message.msg_iov = &part;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = sizeof(control);
      ssize_t length = recvmsg(fd_, &message, MSG_DONTWAIT);
      if (length < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) ReportError("recvmsg", errno);
        return;
      }
      if (message.msg_flags & MSG_TRUNC) continue;
      if (!Deliver(buffer.data(), static_cast<size_t>(length), message, from)) return;
    }
  }

  // Hands one datagram to JS. Returns false if the callback threw.
  bool Deliver(const unsigned char* data, size_t length, msghdr& message, const SocketAddress& from) {
    Napi::Env env = Env();
    int hopLimit = -1;  // IPv4: the TTL is in the IP header handed up with the payload
    unsigned ifindex = 0;
    std::string destination;
    const ClockPair now = Now();
    double receivedAtUs = now.monotonicUs;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(header), sizeof(info));
        ifindex = static_cast<unsigned>(info.ipi_ifindex);
        destination = AddressText(AF_INET, &info.ipi_addr);
      } else if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(header), sizeof(info));
        ifindex = info.ipi6_ifindex;
        destination = AddressText(AF_INET6, &info.ipi6_addr);
      } else if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&hopLimit, CMSG_DATA(header), sizeof(hopLimit));
      } else if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
        timespec stamp;
        std::memcpy(&stamp, CMSG_DATA(header), sizeof(stamp));
        receivedAtUs = KernelStampToMonotonic(stamp, now);
      }
    }
    std::string source;
    if (link_) {
      // The datagram's own IP header names its source; the filter let in nothing else.
      if (family_ == AF_INET && length >= 20) source = AddressText(AF_INET, data + 12);
      if (family_ == AF_INET6 && length >= 40) source = AddressText(AF_INET6, data + 8);
      ifindex = ifindex_;
    } else {
      source = family_ == AF_INET ? AddressText(AF_INET, &from.v4.sin_addr) : AddressText(AF_INET6, &from.v6.sin6_addr);
    }
    Napi::Function callback = onPacket_.Value();
    callback.MakeCallback(Value(), {
      Napi::Buffer<unsigned char>::Copy(env, data, length),
      Napi::Number::New(env, hopLimit),
      Napi::String::New(env, source),
      Napi::String::New(env, destination),
      Napi::Number::New(env, ifindex),
      Napi::Number::New(env, receivedAtUs),
    }, *async_);
    return !RaiseCallbackException();
  }

  void ReportError(const char* syscall, int err) {
    if (onError_.IsEmpty()) return;
    Napi::Env env = Env();
    onError_.Value().MakeCallback(Value(), {SystemError(env, syscall, err, context_).Value()}, *async_);
    RaiseCallbackException();
  }

  // A listener that throws must surface as an uncaught exception, as it
  // would for any Node socket, not vanish in a libuv callback.
  bool RaiseCallbackException() {
    Napi::Env env = Env();
    if (!env.IsExceptionPending()) return false;
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
    return true;
  }

  std::vector<unsigned char>& ReceiveBuffer() {
    if (buffer_.empty()) buffer_.resize(kReceiveBuffer);
    return buffer_;
  }

  int family_ = AF_INET;
  std::string ifname_;
  unsigned ifindex_ = 0;
  bool multicast_ = false;
  bool link_ = false;
  bool foreignSource_ = false;
  std::string source_;
  in_addr source4_{};
  in6_addr source6_{};
  ErrorContext context_;
  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool cleanupHookAdded_ = false;
  Napi::FunctionReference onPacket_;
  Napi::FunctionReference onError_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<unsigned char> buffer_;
};

}  // namespace

void InitVrrpSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("VrrpSocket", VrrpSocket::Define(env));
}

}  // namespace lvsd
