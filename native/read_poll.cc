// The libuv side of every descriptor the addon watches (VRRP sockets,
// deadline timers): one way to start polling and one way to let go.
#include "read_poll.h"

#include <cerrno>

namespace lvsd {

int StartReadPolling(Napi::Env env, int fd, void* owner, uv_poll_cb onReadable, uv_poll_t** handle, const char** failedCall) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    *failedCall = "napi_get_uv_event_loop";
    return EINVAL;
  }
  auto* poll = new uv_poll_t;
  if (int rc = uv_poll_init(loop, poll, fd)) {
    delete poll;  // never initialised: nothing for libuv to close
    *failedCall = "uv_poll_init";
    return -rc;
  }
  poll->data = owner;
  *handle = poll;
  if (int rc = uv_poll_start(poll, UV_READABLE, onReadable)) {
    *failedCall = "uv_poll_start";
    return -rc;
  }
  return 0;
}

void StopReadPolling(uv_poll_t** handle) {
  if (*handle == nullptr) return;
  (*handle)->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(*handle), [](uv_handle_t* closed) { delete reinterpret_cast<uv_poll_t*>(closed); });
  *handle = nullptr;
}

}  // namespace lvsd
