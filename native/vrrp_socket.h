#pragma once
#include <napi.h>

namespace lvsd {
// Registers the VrrpSocket class: raw IP protocol 112 sockets polled by libuv.
void InitVrrpSocket(Napi::Env env, Napi::Object exports);
}
