#pragma once
#include <napi.h>
#include <uv.h>

namespace lvsd {

// Starts polling fd for readability on the environment's event loop, with
// owner as the handle's data. Returns 0, or an errno value with the failing
// call in *failedCall; a handle that was created is in *handle either way,
// for StopReadPolling to release.
int StartReadPolling(Napi::Env env, int fd, void* owner, uv_poll_cb onReadable, uv_poll_t** handle, const char** failedCall);

// Stops polling and frees the handle once libuv is done with it. Idempotent:
// leaves *handle null.
void StopReadPolling(uv_poll_t** handle);

}  // namespace lvsd
