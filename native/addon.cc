// lvsd's native primitives: what Node's standard library cannot do.
#include <napi.h>

#include "deadline_timer.h"
#include "fifo.h"
#include "file_lock.h"
#include "link.h"
#include "netlink_socket.h"
#include "netns.h"
#include "vrrp_socket.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  lvsd::InitNetns(env, exports);
  lvsd::InitLink(env, exports);
  lvsd::InitDeadlineTimer(env, exports);
  lvsd::InitVrrpSocket(env, exports);
  lvsd::InitNetlinkSocket(env, exports);
  lvsd::InitFileLock(env, exports);
  lvsd::InitFifo(env, exports);
  return exports;
}

NODE_API_MODULE(lvsd_native, Init)
